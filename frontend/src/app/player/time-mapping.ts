/**
 * Video element time <-> stream media time.
 *
 * hls.js places each fragment (one bucket segment, `sn` = our `seq`) on the video
 * element's timeline at `start` (from its PTS once parsed). The analyze function stamps
 * every sampled frame with its stream media time `t` = segment media_start + the
 * frame's offset inside the segment. So a displayed frame at video time v inside
 * fragment f is at media time media_start(f.sn) + (v - f.start), and back again.
 */

export interface FragmentSpan {
  /** media sequence number: the segment's seq */
  sn: number;
  /** where the fragment starts on the video element's timeline, s */
  start: number;
  duration: number;
}

export type MediaStartOf = (sn: number) => number | null | undefined;

/** The fragment whose span holds `videoTime` (fragments in timeline order). */
export function fragmentAt(videoTime: number, fragments: readonly FragmentSpan[]): FragmentSpan | undefined {
  let low = 0;
  let high = fragments.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const f = fragments[mid];
    if (videoTime < f.start) high = mid - 1;
    else if (videoTime >= f.start + f.duration) low = mid + 1;
    else return f;
  }
  return undefined;
}

export function mediaTimeAt(
  videoTime: number,
  fragments: readonly FragmentSpan[],
  mediaStartOf: MediaStartOf,
): number | undefined {
  const fragment = fragmentAt(videoTime, fragments);
  if (!fragment) return undefined;
  const mediaStart = mediaStartOf(fragment.sn);
  if (mediaStart === null || mediaStart === undefined) return undefined;
  return mediaStart + (videoTime - fragment.start);
}

/** Where on the video element a media time is (for click-to-seek), if it is buffered/listed. */
export function videoTimeFor(
  mediaTime: number,
  fragments: readonly FragmentSpan[],
  mediaStartOf: MediaStartOf,
): number | undefined {
  for (const fragment of fragments) {
    const mediaStart = mediaStartOf(fragment.sn);
    if (mediaStart === null || mediaStart === undefined) continue;
    const offset = mediaTime - mediaStart;
    if (offset >= 0 && offset < fragment.duration) return fragment.start + offset;
  }
  return undefined;
}

/**
 * The sampled frame whose results belong on screen at `mediaTime`: the latest one at or
 * before it (half a video frame of slack for timestamp rounding), held until the next
 * sample but never longer than `hold` seconds. Frames sorted by `t`.
 */
export function frameAt<T extends { t: number }>(
  frames: readonly T[],
  mediaTime: number,
  hold: number,
  slack = 1 / 60,
): T | undefined {
  let low = 0;
  let high = frames.length - 1;
  let found: T | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (frames[mid].t <= mediaTime + slack) {
      found = frames[mid];
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (!found || mediaTime - found.t > hold) return undefined;
  return found;
}
