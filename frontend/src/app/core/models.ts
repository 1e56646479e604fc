/** The Firestore documents the dashboard reads (see DESIGN.md, "Contracts"). */

export interface Detection {
  label: string;
  score: number;
  /** [x, y, w, h], normalised 0-1 */
  box: [number, number, number, number];
  kind: 'object' | 'logo';
}

export interface Label {
  label: string;
  score: number;
}

export interface SampledFrame {
  /** stream media time, s */
  t: number;
  detections: Detection[];
  scene: Label[];
  brands: Label[];
  brightness: number;
  colors: { hex: string; share: number }[];
  motion: number;
}

export interface Timings {
  uploaded_at?: Date | null;
  event_at?: Date | null;
  started_at?: Date | null;
  finished_at?: Date | null;
  decode_ms?: number | null;
  inference_ms?: number | null;
}

export interface Segment {
  seq: number;
  media_start: number | null;
  duration: number | null;
  status: 'done' | 'failed' | 'skipped';
  error?: string | null;
  mode: string;
  backend: string;
  frames: SampledFrame[];
  timings: Timings;
  warnings?: string[];
}

export interface BrandTotals {
  seconds: number;
  first_seen?: number;
  last_seen?: number;
}

export interface StreamStats {
  segments?: number;
  analyzed?: number;
  failed?: number;
  skipped?: number;
  lag_s?: number;
  latency_p50_ms?: number;
  latency_p95_ms?: number;
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
}
