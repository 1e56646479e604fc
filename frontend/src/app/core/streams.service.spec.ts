import { describe, expect, it } from 'vitest';
import { StreamDoc } from './models';
import { sortByRecency } from './streams.service';
import { headerState } from './header-state';

function stream(id: string, fields: Partial<StreamDoc> = {}): StreamDoc {
  return { id, name: id, status: 'idle', mode: 'realtime', ...fields };
}

describe('stream list order', () => {
  it('puts the newest first: created, went live or ended, whichever is latest', () => {
    const streams = [
      stream('old', { created_at: new Date('2026-01-01') }),
      stream('new', { created_at: new Date('2026-03-01') }),
      stream('relive', { created_at: new Date('2025-12-01'), live_since: new Date('2026-04-01'), status: 'live' }),
      stream('ended', { created_at: new Date('2026-01-15'), ended_at: new Date('2026-02-01'), status: 'ended' }),
      stream('undated'),
    ];
    expect(sortByRecency(streams).map((s) => s.id)).toEqual(['relive', 'new', 'ended', 'old', 'undated']);
  });

  it('orders streams of the same time by name and leaves the input alone', () => {
    const t = new Date('2026-01-01');
    const input = [stream('b', { created_at: t, name: 'Beta' }), stream('a', { created_at: t, name: 'alpha' })];
    expect(sortByRecency(input).map((s) => s.id)).toEqual(['a', 'b']);
    expect(input.map((s) => s.id)).toEqual(['b', 'a']);
  });
});

describe('header state', () => {
  it('says "Connected" for the listener and "Live" only for a publishing stream', () => {
    expect(headerState('connected', null).label).toBe('Connected');
    expect(headerState('connected', stream('s', { status: 'idle' })).label).toBe('Connected');
    const live = headerState('connected', stream('s', { status: 'live', name: 'Match' }));
    expect(live.label).toBe('Live');
    expect(live.meaning).toContain('Match is publishing');
    expect(headerState('offline', stream('s', { status: 'live' }), 'permission denied')).toMatchObject({
      label: 'Offline',
      meaning: expect.stringContaining('permission denied'),
    });
    expect(headerState('connecting', null).label).toBe('Connecting…');
  });
});
