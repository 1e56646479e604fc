/** The Firestore documents the dashboard reads (see DESIGN.md, "Contracts").
 *
 * The result shapes come from `result-schema.ts`, generated from the pydantic models in
 * mediacore/schema.py (a model change that this app does not follow fails `make test`).
 */
import type {
  Detection as SchemaDetection,
  FrameResult,
  LabelScore,
  SegmentResult,
  SegmentTimings,
  StreamStats as SchemaStreamStats,
} from './result-schema';

export type Detection = SchemaDetection;
export type Label = LabelScore;
/** One sampled frame: `t` is stream media time (s). */
export type SampledFrame = FrameResult;
export type Timings = SegmentTimings;
export type Segment = SegmentResult;
export type StreamStats = SchemaStreamStats;

export interface BrandTotals {
  seconds: number;
  first_seen?: number;
  last_seen?: number;
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
