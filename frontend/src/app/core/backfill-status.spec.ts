import { describe, expect, it } from 'vitest';
import { backfillStatus } from './backfill-status';

describe('backfillStatus', () => {
  it('counts the segments no longer pending', () => {
    const record = { segments: 3, pending: { '00000004': true, '00000005': true } };
    expect(backfillStatus('1700', record)).toEqual({ backfill_id: '1700', segments: 3, finished: 1, status: 'running' });
  });

  it('is complete once nothing is pending', () => {
    expect(backfillStatus('1700', { segments: 3, pending: {} })).toEqual({
      backfill_id: '1700', segments: 3, finished: 3, status: 'completed',
    });
    expect(backfillStatus('1700', { segments: 2 }).status).toBe('completed');
  });
});
