/** The three brand signals (DESIGN.md "Brand signals"): a brand is on screen as a logo or
 *  as its name written in the frame (OCR), or said aloud (Whisper). On-screen seconds of a
 *  brand count a moment once whichever way it was seen; spoken mentions are counted apart
 *  (a mention has no screen time). */
import type { Appearance } from './result-schema';
import type { StreamDoc, StreamSignals } from './models';

export type Source = Appearance['source'];

export const SOURCES: readonly Source[] = ['logo', 'text', 'speech'];

/** Short names for chips and filters. */
export const SOURCE_LABEL: Record<Source, string> = { logo: 'Logo', text: 'Text', speech: 'Speech' };
/** What each source means, for tooltips and screen readers. */
export const SOURCE_MEANING: Record<Source, string> = {
  logo: 'its logo on screen',
  text: 'its name written on screen (read by OCR)',
  speech: 'its name said aloud (transcribed)',
};

/** An appearance on screen (logo or text); one stored before sources existed is a logo's. */
export function onScreen(source: Source | null | undefined): boolean {
  return source !== 'speech';
}

/** Seconds covered by the union of [start, end) intervals (overlaps counted once). */
export function unionSeconds(intervals: readonly (readonly [number, number])[]): number {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start;
      start = s;
      end = e;
    } else {
      end = Math.max(end, e);
    }
  }
  if (end > start) total += end - start;
  return total;
}

/** The stream's switches: as its document holds them, else the deployment's defaults (the
 *  API's answer for the stream: `defaults`), else on (a stream created before they existed). */
export function streamSignals(
  stream: Pick<StreamDoc, 'signals'> | null | undefined,
  defaults: StreamSignals = {},
): Required<StreamSignals> {
  const pick = (k: keyof StreamSignals) => {
    const stored = stream?.signals?.[k];
    return typeof stored === 'boolean' ? stored : defaults[k] !== false;
  };
  return { text: pick('text'), speech: pick('speech') };
}
