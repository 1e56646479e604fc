import { describe, expect, it } from 'vitest';
import { typedConfirms } from '../ui/confirm';
import { deleteConfirmation, rotateConfirmation } from './confirmations';

describe('destructive stream actions', () => {
  const stream = { id: 'k3x9', name: 'Saturday match', status: 'idle' as const };

  it('name the stream in the confirmation', () => {
    for (const c of [rotateConfirmation(stream), deleteConfirmation(stream)]) {
      expect(c.title).toContain('Saturday match');
      expect(c.message).toContain('Saturday match');
    }
    expect(rotateConfirmation({ ...stream, name: '' }).title).toContain('k3x9');
  });

  it('warns that rotating disconnects a live OBS', () => {
    expect(rotateConfirmation({ ...stream, status: 'live' }).message).toContain('disconnected');
    expect(rotateConfirmation(stream).message).not.toContain('disconnected');
  });

  it('deleting needs the stream name typed', () => {
    const c = deleteConfirmation(stream);
    expect(c.typeToConfirm).toBe('Saturday match');
    expect(typedConfirms('', c.typeToConfirm)).toBe(false);
    expect(typedConfirms('Saturday', c.typeToConfirm)).toBe(false);
    expect(typedConfirms('saturday match', c.typeToConfirm)).toBe(false);
    expect(typedConfirms(' Saturday match ', c.typeToConfirm)).toBe(true);
    expect(typedConfirms('', rotateConfirmation(stream).typeToConfirm)).toBe(true);
  });
});
