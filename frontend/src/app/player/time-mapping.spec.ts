import { describe, expect, it } from 'vitest';
import { FragmentSpan, fragmentAt, frameAt, mediaTimeAt, videoTimeFor } from './time-mapping';

// Three 2 s fragments, seq 40-42, placed by hls.js from 10 s on the video timeline;
// the stream's media times (from the segment documents) start at 80 s.
const fragments: FragmentSpan[] = [
  { sn: 40, start: 10, duration: 2 },
  { sn: 41, start: 12, duration: 2.002 },
  { sn: 42, start: 14.002, duration: 1.998 },
];
const mediaStart = new Map([[40, 80], [41, 82], [42, 84.002]]);
const mediaStartOf = (sn: number) => mediaStart.get(sn);

describe('time mapping', () => {
  it('finds the fragment holding a video time, edges included', () => {
    expect(fragmentAt(10, fragments)?.sn).toBe(40);
    expect(fragmentAt(11.999, fragments)?.sn).toBe(40);
    expect(fragmentAt(12, fragments)?.sn).toBe(41);
    expect(fragmentAt(15.9, fragments)?.sn).toBe(42);
    expect(fragmentAt(9.99, fragments)).toBeUndefined();
    expect(fragmentAt(16.01, fragments)).toBeUndefined();
  });

  it('maps video time to media time through the segment start', () => {
    expect(mediaTimeAt(10, fragments, mediaStartOf)).toBeCloseTo(80, 6);
    expect(mediaTimeAt(13.5, fragments, mediaStartOf)).toBeCloseTo(83.5, 6);
    expect(mediaTimeAt(14.502, fragments, mediaStartOf)).toBeCloseTo(84.502, 6);
  });

  it('knows nothing before the segment document arrives', () => {
    expect(mediaTimeAt(13, fragments, () => undefined)).toBeUndefined();
    expect(mediaTimeAt(13, fragments, () => null)).toBeUndefined();
  });

  it('maps media time back for seeking, and round-trips', () => {
    expect(videoTimeFor(83.25, fragments, mediaStartOf)).toBeCloseTo(13.25, 6);
    for (const v of [10.0, 11.5, 12.7, 15.0]) {
      const m = mediaTimeAt(v, fragments, mediaStartOf)!;
      expect(videoTimeFor(m, fragments, mediaStartOf)).toBeCloseTo(v, 6);
    }
    expect(videoTimeFor(70, fragments, mediaStartOf)).toBeUndefined();
  });
});

describe('frameAt', () => {
  const frames = [{ t: 80 }, { t: 82 }, { t: 84.002 }];

  it('takes the latest sample at or before the time, held up to the limit', () => {
    expect(frameAt(frames, 80, 2.2)?.t).toBe(80);
    expect(frameAt(frames, 81.98, 2.2)?.t).toBe(80);
    expect(frameAt(frames, 82, 2.2)?.t).toBe(82);
    expect(frameAt(frames, 86.1, 2.2)?.t).toBe(84.002);
    expect(frameAt(frames, 86.3, 2.2)).toBeUndefined(); // too old to show
    expect(frameAt(frames, 79.9, 2.2)).toBeUndefined(); // nothing yet
  });

  it('allows half a frame of timestamp rounding, not a whole frame', () => {
    expect(frameAt(frames, 81.99, 2.2, 1 / 60)?.t).toBe(82);
    expect(frameAt(frames, 81.96, 2.2, 1 / 60)?.t).toBe(80);
  });
});
