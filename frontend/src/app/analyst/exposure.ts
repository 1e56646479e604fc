/**
 * The arithmetic of the analyst view, as pure functions: filters (the same meaning as the
 * API's exports, functions/exposure.py, so the page, the CSV files and the report agree),
 * per-brand totals, where on screen a brand was, time labels, export links.
 *
 * Times are media seconds from the stream's start. An appearance counts with the part of
 * it inside the range; `minConfidence` keeps appearances whose best detection scored at
 * least that much; `brands` (none: all) keeps only those brands; `sources` (none: all) only
 * those signals. An appearance is on screen (its logo, or its name read in the frame) or a
 * spoken mention (`source` "speech"): a mention has no screen time, it is counted, at the
 * moment it starts; a brand's on-screen seconds count a moment seen both as logo and as
 * text once.
 */
import type { Appearance } from '../core/result-schema';
import { SOURCES, Source, onScreen, unionSeconds } from '../core/sources';

export type { Appearance };

export interface Filters {
  brands: readonly string[];
  /** media s; null: from the start */
  start: number | null;
  /** media s; null: to the newest analysed second (a live stream keeps growing) */
  end: number | null;
  /** 0-1; null: any */
  minConfidence: number | null;
  /** logo, text, speech; none: all */
  sources: readonly Source[];
}

export const NO_FILTERS: Filters = { brands: [], start: null, end: null, minConfidence: null, sources: [] };

/** An appearance's source; one stored before sources existed is a logo's. */
export function sourceOf(a: Pick<Appearance, 'source'>): Source {
  return a.source ?? 'logo';
}

/** The appearance's start and end inside the range (end <= start: outside it). */
export function clip(a: Appearance, f: Filters): [number, number] {
  const start = f.start === null ? a.start : Math.max(a.start, f.start);
  const end = f.end === null ? a.end : Math.min(a.end, f.end);
  return [start, end];
}

export function secondsOf(a: Appearance, f: Filters): number {
  const [start, end] = clip(a, f);
  return Math.max(0, end - start);
}

export function keeps(a: Appearance, f: Filters): boolean {
  if (f.brands.length && !f.brands.includes(a.brand)) return false;
  if (f.sources.length && !f.sources.includes(sourceOf(a))) return false;
  if (f.minConfidence !== null && (a.best_score ?? 0) < f.minConfidence) return false;
  if (!onScreen(a.source)) return (f.start === null || a.start >= f.start) && (f.end === null || a.start < f.end);
  return secondsOf(a, f) > 0;
}

/** The appearances the filters keep, by start then brand. */
export function select(appearances: readonly Appearance[], f: Filters): Appearance[] {
  return appearances
    .filter((a) => keeps(a, f))
    .sort((a, b) => a.start - b.start || a.brand.localeCompare(b.brand));
}

export function filtersActive(f: Filters): boolean {
  return f.brands.length > 0 || f.start !== null || f.end !== null || f.minConfidence !== null || f.sources.length > 0;
}

// --- per-brand totals --------------------------------------------------------------------------

export interface BrandTotal {
  brand: string;
  /** on screen (logo or text; a moment seen both ways once), clipped to the range */
  seconds: number;
  logoSeconds: number;
  textSeconds: number;
  /** on-screen appearances */
  appearances: number;
  /** times said aloud */
  mentions: number;
  /** of all brands' on-screen seconds in the range, 0-1 */
  shareOfVoice: number;
  firstSeen: number;
  lastSeen: number;
  /** seconds-weighted mean of the appearances' best scores */
  meanConfidence: number | null;
}

/** Per-brand totals of what the filters keep, most seconds first (then most mentions). */
export function brandTotals(appearances: readonly Appearance[], f: Filters): BrandTotal[] {
  const byBrand = new Map<string, Appearance[]>();
  for (const a of appearances) {
    if (!keeps(a, f)) continue;
    const list = byBrand.get(a.brand) ?? [];
    list.push(a);
    byBrand.set(a.brand, list);
  }
  const union = (rows: readonly Appearance[]) => unionSeconds(rows.map((a) => clip(a, f)));
  const seconds = new Map([...byBrand].map(([b, rows]) => [b, union(rows.filter((a) => onScreen(a.source)))]));
  const total = [...seconds.values()].reduce((s, v) => s + v, 0);
  const out: BrandTotal[] = [];
  for (const [brand, rows] of byBrand) {
    const screen = rows.filter((a) => onScreen(a.source));
    const spoken = rows.filter((a) => !onScreen(a.source));
    // First/last: when it was seen; a brand only said aloud, when it was said.
    const times = screen.length ? screen.map((a) => clip(a, f)) : spoken.map((a) => [a.start, a.end] as const);
    const scored = screen.filter((a) => a.best_score).map((a) => [a.best_score!, secondsOf(a, f)] as const);
    const weight = scored.reduce((s, [, w]) => s + w, 0);
    const heard = spoken.filter((a) => a.best_score).map((a) => a.best_score!);
    out.push({
      brand,
      seconds: seconds.get(brand)!,
      logoSeconds: union(screen.filter((a) => sourceOf(a) === 'logo')),
      textSeconds: union(screen.filter((a) => sourceOf(a) === 'text')),
      appearances: screen.length,
      mentions: spoken.length,
      shareOfVoice: total ? seconds.get(brand)! / total : 0,
      firstSeen: Math.min(...times.map(([s]) => s)),
      lastSeen: Math.max(...times.map(([, e]) => e)),
      meanConfidence: scored.length
        ? weight > 0
          ? scored.reduce((s, [v, w]) => s + v * w, 0) / weight
          : scored.reduce((s, [v]) => s + v, 0) / scored.length
        : heard.length
          ? heard.reduce((s, v) => s + v, 0) / heard.length
          : null,
    });
  }
  return out.sort((a, b) => b.seconds - a.seconds || b.mentions - a.mentions || a.brand.localeCompare(b.brand));
}

/** The spoken mentions the filters keep, by time: points on the share-of-voice chart. */
export function mentionPoints(appearances: readonly Appearance[], f: Filters): { brand: string; t: number; text: string }[] {
  return appearances
    .filter((a) => !onScreen(a.source) && keeps(a, f))
    .map((a) => ({ brand: a.brand, t: a.start, text: a.text ?? '' }))
    .sort((a, b) => a.t - b.t);
}

// --- time ----------------------------------------------------------------------------------------

/** m:ss, or h:mm:ss from an hour on (media time on axes, lists and the report). */
export function mediaClock(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "0.8 s", "12.4 s", "1 min 05 s", "1 h 02 min": how long something was on screen. */
export function durationLabel(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

/** "90", "1:30", "1:02:03" -> seconds; null for an empty or unreadable text. */
export function parseClock(text: string): number | null {
  const t = text.trim();
  if (!t) return null;
  if (!/^\d+(\.\d+)?$|^\d+(:[0-5]?\d){1,2}(\.\d+)?$/.test(t)) return null;
  return t.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

const BUCKETS = [2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600] as const;

/** A bucket length (s) that draws `span` in at most about `buckets` buckets (2 s: one segment). */
export function bucketFor(span: number, buckets = 60): number {
  for (const step of BUCKETS) if (span / step <= buckets) return step;
  return BUCKETS[BUCKETS.length - 1];
}

/** "per 10 s", "per 5 min": the unit of a bucket's seconds. */
export function bucketLabel(bucketS: number): string {
  if (bucketS < 60) return `${bucketS} s`;
  if (bucketS < 3600) return `${bucketS / 60} min`;
  return `${bucketS / 3600} h`;
}

// --- share of voice over time ----------------------------------------------------------------

export interface TimelineSeries {
  brand: string;
  seconds: number[];
  total: number;
}

/** Each bucket's share of voice per brand (0-100 %): its seconds over all brands' seconds in
 *  that bucket; 0 where no brand was on screen. */
export function sharePercent(series: readonly TimelineSeries[]): number[][] {
  const n = series.length ? series[0].seconds.length : 0;
  const sums = Array.from({ length: n }, (_, i) => series.reduce((s, row) => s + (row.seconds[i] ?? 0), 0));
  return series.map((row) => row.seconds.map((v, i) => (sums[i] > 0 ? (100 * v) / sums[i] : 0)));
}

export const OTHER_BRANDS = 'other brands';
export const OTHER_COLOUR = '#5f6670'; // grey: no brand's colour is grey

/** The `keep` largest series (most seconds first, as the API sends them) and the rest
 *  added up as one "other brands" series, so a chart of many brands stays readable (the
 *  API's report groups the same way). */
export function groupSeries(series: readonly TimelineSeries[], keep = 8): TimelineSeries[] {
  if (series.length <= keep + 1) return [...series];
  const rest = series.slice(keep);
  const seconds = rest[0].seconds.map((_, i) => rest.reduce((sum, row) => sum + (row.seconds[i] ?? 0), 0));
  return [...series.slice(0, keep), { brand: OTHER_BRANDS, seconds, total: rest.reduce((sum, row) => sum + row.total, 0) }];
}

// --- screen position ---------------------------------------------------------------------------

/** Where a box's centre is on screen, in thirds: "top-left", "top", "centre", "bottom-right"… */
export function screenRegion(box: readonly number[]): string {
  const [x, y, w, h] = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  const col = cx < 1 / 3 ? 'left' : cx < 2 / 3 ? '' : 'right';
  const row = cy < 1 / 3 ? 'top' : cy < 2 / 3 ? '' : 'bottom';
  return [row, col].filter(Boolean).join('-') || 'centre';
}

/** "12% of frame, top-left" ("<1% of frame" for a small one); "" without a box. */
export function positionLabel(box: readonly number[] | null | undefined, size?: number | null): string {
  if (!box || box.length < 4) return '';
  const area = size ?? box[2] * box[3];
  const percent = area * 100;
  const share = percent < 1 ? '<1%' : `${Math.round(percent)}%`;
  return `${share} of frame, ${screenRegion(box)}`;
}

export interface HeatGrid {
  cols: number;
  rows: number;
  /** seconds per cell, row by row from the top-left */
  cells: number[];
  max: number;
  /** seconds of the appearances that have a box (the sum of the cells) */
  total: number;
}

/** Where on screen the brand(s) were, weighted by seconds: each kept appearance's seconds
 *  spread over the cells its peak box covers, in proportion to the box's area in each. */
export function heatGrid(appearances: readonly Appearance[], f: Filters, cols = 16, rows = 9): HeatGrid {
  const cells = new Array<number>(cols * rows).fill(0);
  let total = 0;
  for (const a of appearances) {
    const box = a.peak_box;
    if (!box || box.length < 4 || !keeps(a, f)) continue;
    const x0 = clamp01(box[0]);
    const y0 = clamp01(box[1]);
    const x1 = clamp01(box[0] + box[2]);
    const y1 = clamp01(box[1] + box[3]);
    const area = (x1 - x0) * (y1 - y0);
    const seconds = secondsOf(a, f);
    if (seconds <= 0) continue;
    total += seconds;
    if (area <= 0) {
      // A degenerate box: its point's cell takes it all.
      const c = Math.min(cols - 1, Math.floor(x0 * cols));
      const r = Math.min(rows - 1, Math.floor(y0 * rows));
      cells[r * cols + c] += seconds;
      continue;
    }
    for (let r = Math.floor(y0 * rows); r < Math.min(rows, Math.ceil(y1 * rows)); r++) {
      const overlapY = Math.min(y1, (r + 1) / rows) - Math.max(y0, r / rows);
      if (overlapY <= 0) continue;
      for (let c = Math.floor(x0 * cols); c < Math.min(cols, Math.ceil(x1 * cols)); c++) {
        const overlapX = Math.min(x1, (c + 1) / cols) - Math.max(x0, c / cols);
        if (overlapX > 0) cells[r * cols + c] += (seconds * overlapX * overlapY) / area;
      }
    }
  }
  return { cols, rows, cells, max: Math.max(0, ...cells), total };
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

// --- links ---------------------------------------------------------------------------------------

/** The API's query for the filters (brand repeated, start, end, min_confidence). */
export function exportQuery(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  for (const brand of f.brands) q.append('brand', brand);
  for (const source of f.sources) q.append('source', source);
  if (f.start !== null) q.set('start', String(round3(f.start)));
  if (f.end !== null) q.set('end', String(round3(f.end)));
  if (f.minConfidence !== null) q.set('min_confidence', String(round3(f.minConfidence)));
  return q;
}

export type ExportKind = 'appearances.csv' | 'brands.csv' | 'report' | 'timeline';

/** An API path for a stream's export with the filters, e.g.
 *  `/v1/streams/s1/appearances.csv?brand=acme&min_confidence=0.5`. */
export function exportPath(streamId: string, kind: ExportKind, f: Filters, extra: Record<string, string> = {}): string {
  const q = exportQuery(f);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const query = q.toString();
  return `/v1/streams/${encodeURIComponent(streamId)}/${kind}${query ? `?${query}` : ''}`;
}

/** The dashboard report route's query parameters (`#/streams/:id/report?…`). */
export function reportQueryParams(f: Filters): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  if (f.brands.length) params['brand'] = [...f.brands];
  if (f.sources.length) params['source'] = [...f.sources];
  if (f.start !== null) params['start'] = String(round3(f.start));
  if (f.end !== null) params['end'] = String(round3(f.end));
  if (f.minConfidence !== null) params['min_confidence'] = String(round3(f.minConfidence));
  return params;
}

/** Filters back from query parameters (what `reportQueryParams` wrote; junk ignored). */
export function filtersFromQuery(get: (name: string) => string | null, getAll: (name: string) => string[]): Filters {
  const num = (name: string, lo: number, hi: number): number | null => {
    const raw = get(name);
    if (raw === null || raw.trim() === '') return null;
    const v = Number(raw);
    return Number.isFinite(v) && v >= lo && v <= hi ? v : null;
  };
  const start = num('start', 0, 1e7);
  let end = num('end', 0, 1e7);
  if (start !== null && end !== null && end <= start) end = null;
  return {
    brands: [...new Set(getAll('brand').filter((b) => b.trim()))],
    start,
    end,
    minConfidence: num('min_confidence', 0, 1),
    sources: SOURCES.filter((s) => getAll('source').includes(s)),
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** A file name for a download: `<stream>-appearances.csv`, as the API names it. */
export function downloadName(streamId: string, kind: 'appearances.csv' | 'brands.csv'): string {
  return `${streamId}-${kind}`;
}

