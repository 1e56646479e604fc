import { describe, expect, it } from 'vitest';
import { PLAYER_HINTS, playerHint } from './player-hint';

describe('playerHint', () => {
  it('says an ended stream without a recording has none, never "not published"', () => {
    expect(playerHint('ended', 'ended', true, true)).toBe('Stream ended — no recording kept.');
    expect(playerHint('ended', 'ended', false, false)).toBe('Stream ended — no recording kept.');
    expect(playerHint('idle', 'ended', false, false)).not.toContain('not been published');
  });

  it('follows the player when there is video to play', () => {
    expect(playerHint('playing', 'ended', true, false)).toBe(PLAYER_HINTS.playing);
    expect(playerHint('ended', 'ended', true, false)).toBe('The recording ended.');
    expect(playerHint('connecting', 'live', true, false)).toBe(PLAYER_HINTS.connecting);
  });

  it('tells a stream never published from a live one still starting', () => {
    expect(playerHint('idle', 'idle', false, false)).toBe('No video yet: the stream has not been published.');
    expect(playerHint('idle', 'live', false, false)).toContain('waiting for its first segment');
  });
});
