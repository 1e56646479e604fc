import { Injectable, computed, signal } from '@angular/core';
import type { StreamSink } from '../core/firebase.service';
import { SampledFrame, Segment, StreamDoc } from '../core/models';
import { streamWarnings } from './warnings';

export interface BrandRow {
  brand: string;
  seconds: number;
  shareOfVoice: number;
  firstSeen?: number;
  lastSeen?: number;
}

export interface Appearance {
  brand: string;
  start: number;
  end: number;
}

export interface SegmentTiming {
  seq: number;
  status: string;
  /** upload -> result written */
  latencyMs: number | null;
  /** object written -> function started (event delivery) */
  eventMs: number | null;
  decodeMs: number | null;
  inferenceMs: number | null;
}

/** Merge sampled sightings of each brand into on-screen intervals (gaps > maxGap split them). */
export function brandAppearances(segments: readonly Segment[], maxGap = 2.5): Appearance[] {
  const sightings = new Map<string, number[]>();
  for (const segment of segments) {
    if (segment.status !== 'done') continue;
    const step = segment.frames.length ? (segment.duration ?? 2) / segment.frames.length : 0;
    for (const frame of segment.frames) {
      const brands = new Set<string>([
        ...frame.detections.filter((d) => d.kind === 'logo').map((d) => d.label),
        ...frame.brands.map((b) => b.label),
      ]);
      for (const brand of brands) {
        const list = sightings.get(brand) ?? [];
        list.push(frame.t, frame.t + step);
        sightings.set(brand, list);
      }
    }
  }
  const out: Appearance[] = [];
  for (const [brand, times] of sightings) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < times.length; i += 2) pairs.push([times[i], times[i + 1]]);
    pairs.sort((a, b) => a[0] - b[0]);
    let current: Appearance | undefined;
    for (const [start, end] of pairs) {
      if (current && start - current.end <= maxGap) {
        current.end = Math.max(current.end, end);
      } else {
        current = { brand, start, end };
        out.push(current);
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || a.brand.localeCompare(b.brand));
}

export function brandRows(stream: StreamDoc | null): BrandRow[] {
  const brands = stream?.brands ?? {};
  const total = Object.values(brands).reduce((sum, b) => sum + (b.seconds ?? 0), 0);
  return Object.entries(brands)
    .map(([brand, b]) => ({
      brand,
      seconds: b.seconds ?? 0,
      shareOfVoice: total ? (b.seconds ?? 0) / total : 0,
      firstSeen: b.first_seen,
      lastSeen: b.last_seen,
    }))
    .filter((row) => row.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds || a.brand.localeCompare(b.brand));
}

function millis(value: Date | null | undefined): number | null {
  return value instanceof Date ? value.getTime() : null;
}

/** Live state of the selected stream: its document and its newest segments, as signals.
 *  Provided by the component that selects the stream (AppComponent); the player, panels
 *  and control components `inject()` that one instance. */
@Injectable()
export class ResultsStore implements StreamSink {
  readonly stream = signal<StreamDoc | null>(null);
  private readonly bySeq = signal<ReadonlyMap<number, Segment>>(new Map());

  readonly segments = computed(() => [...this.bySeq().values()].sort((a, b) => a.seq - b.seq));

  /** Every sampled frame, in media-time order. */
  readonly frames = computed<SampledFrame[]>(() =>
    this.segments()
      .flatMap((s) => s.frames ?? [])
      .sort((a, b) => a.t - b.t),
  );

  readonly latest = computed(() => {
    const done = this.segments().filter((s) => s.status === 'done' && s.frames?.length);
    return done.length ? done[done.length - 1] : null;
  });

  readonly brands = computed(() => brandRows(this.stream()));
  /** What to tell the user about this stream's state (results/warnings.ts). */
  readonly warnings = computed(() =>
    streamWarnings({ stream: this.stream(), latest: this.latest(), segments: this.segments() }),
  );
  readonly appearances = computed(() => brandAppearances(this.segments()));

  readonly objects = computed(() =>
    Object.entries(this.stream()?.objects ?? {})
      .map(([label, count]) => ({ label, count }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
  );

  readonly timings = computed<SegmentTiming[]>(() =>
    this.segments().map((s) => {
      const uploaded = millis(s.timings?.uploaded_at);
      const started = millis(s.timings?.started_at);
      const finished = millis(s.timings?.finished_at);
      return {
        seq: s.seq,
        status: s.status ?? 'pending',
        latencyMs: uploaded !== null && finished !== null ? finished - uploaded : null,
        eventMs: uploaded !== null && started !== null ? started - uploaded : null,
        decodeMs: s.timings?.decode_ms ?? null,
        inferenceMs: s.timings?.inference_ms ?? null,
      };
    }),
  );

  /** seq -> media_start, for the player's time mapping. */
  mediaStartOf = (seq: number): number | null | undefined => this.bySeq().get(seq)?.media_start;

  setStream(stream: StreamDoc | null): void {
    this.stream.set(stream);
  }

  /** Apply one listener batch: added/modified segments replace, removed ones go. */
  applySegments(changed: readonly Segment[], removed: readonly number[] = []): void {
    const next = new Map(this.bySeq());
    for (const segment of changed) next.set(segment.seq, segment);
    for (const seq of removed) next.delete(seq);
    this.bySeq.set(next);
  }

  clear(): void {
    this.stream.set(null);
    this.bySeq.set(new Map());
  }
}
