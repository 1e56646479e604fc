import { describe, expect, it } from 'vitest';
import { onScreen, streamSignals, unionSeconds } from './sources';

describe('brand signals', () => {
  it('adds up intervals, overlaps once', () => {
    expect(unionSeconds([[0, 10], [6, 14], [20, 21], [21, 22]])).toBe(16);
    expect(unionSeconds([[5, 5], [3, 1]])).toBe(0);
    expect(unionSeconds([])).toBe(0);
  });

  it('reads absent switches as on; speech is the one source off screen', () => {
    expect(streamSignals(null)).toEqual({ text: true, speech: true });
    expect(streamSignals({ signals: { speech: false } })).toEqual({ text: true, speech: false });
    // A switch the stream never set is the deployment's default (the API says which).
    expect(streamSignals({}, { text: false, speech: false })).toEqual({ text: false, speech: false });
    expect(streamSignals({ signals: { text: true } }, { text: false, speech: false })).toEqual({ text: true, speech: false });
    expect([onScreen('logo'), onScreen('text'), onScreen('speech'), onScreen(undefined)]).toEqual([true, true, false, true]);
  });
});
