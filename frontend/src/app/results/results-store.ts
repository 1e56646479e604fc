import { Injectable, computed, signal } from '@angular/core';
import type { StreamSink } from '../core/firebase.service';
import { SampledFrame, Segment, StreamDoc, StreamSignals } from '../core/models';
import { streamSignals } from '../core/sources';
import { spokenMentions, transcriptWords } from '../player/transcript';
import { streamWarnings } from './warnings';

export interface BrandRow {
  brand: string;
  /** on screen: logo or text (a moment seen both ways counts once) */
  seconds: number;
  logoSeconds: number;
  textSeconds: number;
  /** times said aloud */
  mentions: number;
  /** of all brands' on-screen seconds */
  shareOfVoice: number;
  firstSeen?: number;
  lastSeen?: number;
}

/** One stretch of a brand on screen by one source (the live panel's timeline). */
export interface Appearance {
  brand: string;
  source: 'logo' | 'text';
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

/** A frame OCR read: marked so, or (a document written before the mark) holding what it read. */
export function isOcrFrame(frame: SampledFrame): boolean {
  return !!frame.ocr || !!frame.text?.length || frame.detections.some((d) => d.kind === 'text');
}

/** Merge sampled sightings of each brand into on-screen intervals per source (gaps > maxGap
 *  split them). A logo sighting is a logo detection or a CLIP brand label of the frame; a
 *  text sighting a brand name read there. Each sampled frame stands for its share of the
 *  segment; each OCR'd frame for its share of the frames OCR read. */
export function brandAppearances(segments: readonly Segment[], maxGap = 2.5): Appearance[] {
  const sightings = new Map<string, [number, number][]>();
  const see = (key: string, start: number, end: number) => {
    const list = sightings.get(key) ?? [];
    list.push([start, end]);
    sightings.set(key, list);
  };
  for (const segment of segments) {
    if (segment.status !== 'done') continue;
    const frames = segment.frames ?? [];
    const duration = segment.duration ?? 2;
    const step = frames.length ? duration / frames.length : 0;
    const read = frames.filter(isOcrFrame).length;
    const textStep = read ? duration / read : 0;
    for (const frame of frames) {
      const logos = new Set<string>([
        ...frame.detections.filter((d) => d.kind === 'logo').map((d) => d.label),
        ...(frame.brands ?? []).map((b) => b.label),
      ]);
      for (const brand of logos) see(`logo\u0000${brand}`, frame.t, frame.t + step);
      const texts = new Set(frame.detections.filter((d) => d.kind === 'text').map((d) => d.label));
      for (const brand of texts) see(`text\u0000${brand}`, frame.t, frame.t + textStep);
    }
  }
  const out: Appearance[] = [];
  for (const [key, pairs] of sightings) {
    const [source, brand] = key.split('\u0000') as ['logo' | 'text', string];
    pairs.sort((a, b) => a[0] - b[0]);
    let current: Appearance | undefined;
    for (const [start, end] of pairs) {
      if (current && start - current.end <= maxGap) {
        current.end = Math.max(current.end, end);
      } else {
        current = { brand, source, start, end };
        out.push(current);
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || a.brand.localeCompare(b.brand) || a.source.localeCompare(b.source));
}

/** The stream's brands: on-screen seconds with their split by source and share of voice,
 *  and spoken mentions; a brand only said aloud is listed too. Most seconds first. */
export function brandRows(stream: StreamDoc | null): BrandRow[] {
  const brands = stream?.brands ?? {};
  const total = Object.values(brands).reduce((sum, b) => sum + (b.seconds ?? 0), 0);
  return Object.entries(brands)
    .map(([brand, b]) => {
      const seconds = b.seconds ?? 0;
      // A stream analysed before text and speech existed has logo seconds only.
      const split = b.logo_seconds !== undefined || b.text_seconds !== undefined;
      return {
        brand,
        seconds,
        logoSeconds: split ? (b.logo_seconds ?? 0) : seconds,
        textSeconds: b.text_seconds ?? 0,
        mentions: b.mentions ?? 0,
        shareOfVoice: total ? seconds / total : 0,
        firstSeen: b.first_seen ?? undefined,
        lastSeen: b.last_seen ?? undefined,
      };
    })
    .filter((row) => row.seconds > 0 || row.mentions > 0)
    .sort((a, b) => b.seconds - a.seconds || b.mentions - a.mentions || a.brand.localeCompare(b.brand));
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
  /** The deployment's defaults for switches the stream never set (from the API's answer
   *  for the stream; the stream view reads it). */
  readonly signalDefaults = signal<StreamSignals>({});
  /** The stream's text and speech switches as the analysis applies them. */
  readonly signals = computed(() => streamSignals(this.stream(), this.signalDefaults()));
  private readonly bySeq = signal<ReadonlyMap<number, Segment>>(new Map());

  readonly segments = computed(() => [...this.bySeq().values()].sort((a, b) => a.seq - b.seq));

  /** Every sampled frame, in media-time order. */
  readonly frames = computed<SampledFrame[]>(() =>
    this.segments()
      .flatMap((s) => s.frames ?? [])
      .sort((a, b) => a.t - b.t),
  );

  /** The sampled frames OCR read (their `text` and kind "text" detections), in media-time
   *  order: fewer than the frames, so the text layer holds each until the next. */
  readonly ocrFrames = computed<SampledFrame[]>(() => this.frames().filter(isOcrFrame));

  readonly latest = computed(() => {
    const done = this.segments().filter((s) => s.status === 'done' && s.frames?.length);
    return done.length ? done[done.length - 1] : null;
  });

  readonly brands = computed(() => brandRows(this.stream()));
  /** What to tell the user about this stream's state (results/warnings.ts). */
  readonly warnings = computed(() =>
    streamWarnings({ stream: this.stream(), latest: this.latest(), segments: this.segments(), signals: this.signals() }),
  );
  readonly appearances = computed(() => brandAppearances(this.segments()));
  /** Brands said aloud in the segments held (the timeline's points, the transcript's chips). */
  readonly mentions = computed(() => spokenMentions(this.segments()));
  /** Every transcribed word held, by time. */
  readonly words = computed(() => transcriptWords(this.segments()));

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
    this.signalDefaults.set({});
    this.bySeq.set(new Map());
  }
}
