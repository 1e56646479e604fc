/** History's pure logic: streams in a date range, seconds per brand in a media-time range,
 *  the comparison of brands across streams, and its CSV. */
import type { StreamSummary, SummaryAppearance } from '../core/api.service';
import { onScreen, unionSeconds } from '../core/sources';
import type { StreamDoc } from '../core/models';

/** A media-time range in seconds from each stream's start; null ends are open. */
export interface MediaRange {
  start: number | null;
  end: number | null;
}

export const WHOLE: MediaRange = { start: null, end: null };

export function isWhole(range: MediaRange): boolean {
  return range.start === null && range.end === null;
}

/** An appearance's seconds inside the range (as functions/exposure.py Filters.clip). */
export function clippedSeconds(a: Pick<SummaryAppearance, 'start' | 'end'>, range: MediaRange): number {
  const start = range.start === null ? a.start : Math.max(a.start, range.start);
  const end = range.end === null ? a.end : Math.min(a.end, range.end);
  return Math.max(0, end - start);
}

/** Seconds per brand of one stream: the stream's totals (as /summary gives them) for the
 *  whole stream, else its appearances clipped to the range. */
export function secondsByBrand(summary: Pick<StreamSummary, 'brands' | 'appearances'>, range: MediaRange): Map<string, number> {
  const out = new Map<string, number>();
  if (isWhole(range)) {
    for (const b of summary.brands) if (b.seconds > 0) out.set(b.brand, b.seconds);
    return out;
  }
  // On screen only (a spoken mention has no screen time), a moment seen both as logo and
  // as text once.
  const byBrand = new Map<string, [number, number][]>();
  for (const a of summary.appearances) {
    if (!onScreen(a.source)) continue;
    const start = range.start === null ? a.start : Math.max(a.start, range.start);
    const end = range.end === null ? a.end : Math.min(a.end, range.end);
    if (end > start) byBrand.set(a.brand, [...(byBrand.get(a.brand) ?? []), [start, end]]);
  }
  for (const [brand, intervals] of byBrand) out.set(brand, unionSeconds(intervals));
  return out;
}

/** "90", "1:30", "1:02:03" (media time) -> seconds; '' -> null; NaN when unreadable. */
export function parseMediaTime(text: string): number | null {
  const t = text.trim();
  if (!t) return null;
  if (!/^\d+(\.\d+)?$|^\d+(:[0-5]?\d){1,2}(\.\d+)?$/.test(t)) return NaN;
  return t.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** The range from its two fields, or the reason it is not one. */
export function mediaRange(from: string, to: string): MediaRange | string {
  const start = parseMediaTime(from);
  const end = parseMediaTime(to);
  if (Number.isNaN(start) || Number.isNaN(end)) return 'Write times as seconds (90) or minutes:seconds (1:30).';
  if (start !== null && end !== null && end <= start) return 'The end of the range must be after its start.';
  return { start: start || null, end };
}

/** When a stream happened: went live, else was created. */
export function streamDate(s: StreamDoc): Date | null {
  return s.live_since ?? s.created_at ?? s.ended_at ?? null;
}

/** Streams whose date falls within [from, to] (local calendar days, 'YYYY-MM-DD'; empty:
 *  open), optionally ended ones only; the latest first (streams never published last). */
export function filterStreams(streams: readonly StreamDoc[], from: string, to: string, endedOnly: boolean): StreamDoc[] {
  const lo = from ? new Date(`${from}T00:00:00`).getTime() : -Infinity;
  const hi = to ? new Date(`${to}T23:59:59.999`).getTime() : Infinity;
  const when = (s: StreamDoc) => streamDate(s)?.getTime() ?? -Infinity;
  return streams
    .filter((s) => {
      if (endedOnly && s.status !== 'ended') return false;
      const date = streamDate(s);
      if (!date) return !from && !to;
      return date.getTime() >= lo && date.getTime() <= hi;
    })
    .sort((a, b) => when(b) - when(a) || (a.name || a.id).localeCompare(b.name || b.id));
}

/** A stream's brands, most seconds first (for the list's "top brands"). */
export function topBrands(s: StreamDoc, n = 3): { brand: string; seconds: number }[] {
  return Object.entries(s.brands ?? {})
    .map(([brand, b]) => ({ brand, seconds: b?.seconds ?? 0 }))
    .filter((b) => b.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds || a.brand.localeCompare(b.brand))
    .slice(0, n);
}

export interface ComparedStream {
  id: string;
  name: string;
  /** Seconds per brand, in `Comparison.brands` order. */
  seconds: number[];
  /** Each brand's share of this stream's brand seconds (0–1), same order. */
  share: number[];
  /** All brands' seconds in this stream (the share's denominator). */
  total: number;
}

export interface Comparison {
  /** Brand ids, most seconds across the streams first. */
  brands: string[];
  streams: ComparedStream[];
  /** Across the compared streams: seconds and share of voice per brand. */
  totalSeconds: number[];
  totalShare: number[];
}

/** Brands compared across streams: seconds per brand per stream and shares of voice. A
 *  stream's share divides by all brands' seconds in that stream (as /summary does). */
export function compareStreams(input: readonly { id: string; name: string; seconds: Map<string, number> }[]): Comparison {
  const totals = new Map<string, number>();
  for (const s of input) for (const [brand, v] of s.seconds) totals.set(brand, (totals.get(brand) ?? 0) + v);
  const brands = [...totals.keys()].sort((a, b) => totals.get(b)! - totals.get(a)! || a.localeCompare(b));
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const streams = input.map((s) => {
    const seconds = brands.map((b) => round3(s.seconds.get(b) ?? 0));
    const total = [...s.seconds.values()].reduce((a, b) => a + b, 0);
    return { id: s.id, name: s.name, seconds, total: round3(total), share: seconds.map((v) => (total ? v / total : 0)) };
  });
  return {
    brands,
    streams,
    totalSeconds: brands.map((b) => round3(totals.get(b)!)),
    totalShare: brands.map((b) => (all ? totals.get(b)! / all : 0)),
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

// Cells a spreadsheet would run as a formula (OWASP "CSV injection"), as the API's exports.
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];

/** One CSV cell (RFC 4180 quoting), text that starts like a formula made inert with '. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_STARTS.some((c) => text.startsWith(c))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const COMPARISON_COLUMNS = [
  'stream_id', 'stream_name', 'brand', 'brand_name', 'seconds', 'share_of_voice', 'range_start_s', 'range_end_s',
] as const;

/** The comparison as CSV: one row per stream and brand seen there (CRLF, as the API's). */
export function comparisonCsv(c: Comparison, range: MediaRange, names: Record<string, string> = {}): string {
  const rows: (string | number | null)[][] = [[...COMPARISON_COLUMNS]];
  for (const s of c.streams) {
    c.brands.forEach((brand, i) => {
      if (s.seconds[i] > 0) {
        rows.push([s.id, s.name, brand, names[brand] ?? brand, s.seconds[i], Math.round(s.share[i] * 10000) / 10000, range.start, range.end]);
      }
    });
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
