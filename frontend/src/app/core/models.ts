/** The Firestore documents the dashboard reads (see DESIGN.md, "Contracts").
 *
 * The result shapes come from `result-schema.ts`, generated from the pydantic models in
 * mediacore/schema.py (a model change that this app does not follow fails `make test`).
 */
import type {
  BrandAggregate,
  Detection as SchemaDetection,
  FrameResult,
  LabelScore,
  Mention,
  SegmentResult,
  SegmentTimings,
  StreamStats as SchemaStreamStats,
  TextLine,
  Word,
} from './result-schema';

export type { Mention, TextLine, Word };

export type Detection = SchemaDetection;
export type Label = LabelScore;
/** One sampled frame: `t` is stream media time (s). */
export type SampledFrame = FrameResult;
export type Timings = SegmentTimings;
export type Segment = SegmentResult;
export type StreamStats = SchemaStreamStats;

/** `brands.{brand}` of a stream document: on-screen seconds (logo or text, a frame with
 *  both counted once), split by source, and spoken mentions. */
export type BrandTotals = BrandAggregate;

/** What a brand signal did for a segment (`signals.{logo|text|speech}`). */
export type SignalState = SegmentResult['signals'][string];

/** The stream's switches for the costly signals (`signals` of the stream document;
 *  absent: on). Logos always run. */
export interface StreamSignals {
  text?: boolean;
  speech?: boolean;
}

export interface StreamDoc {
  id: string;
  name: string;
  status: 'idle' | 'live' | 'ended';
  mode: 'realtime' | 'batch';
  playlist?: string;
  keyframe_interval_s?: number;
  warnings?: Record<string, string>;
  stats?: StreamStats;
  analysed_seconds?: number;
  brands?: Record<string, BrandTotals>;
  signals?: StreamSignals;
  objects?: Record<string, number>;
  created_at?: Date;
  live_since?: Date;
  ended_at?: Date;
  updated_at?: Date;
  /** The ingest's counters (mediacore/streams.py record_uploads / record_drops). */
  ingest?: { uploaded?: number; dropped?: number; gaps?: number; last_upload_at?: Date };
  /** What the latest analysed segment warned about (functions/results.py). */
  analysis_warnings?: { messages: string[]; seq: number };
}
