/* Generated from mediacore/schema.py by `python -m local.schema_types`: do not edit. */

/**
 * Generated from mediacore/schema.py: do not edit.
 */
export interface ResultSchema {
  SegmentResult?: SegmentResult;
  Appearance?: Appearance;
  StreamStats?: StreamStats;
  BrandAggregate?: BrandAggregate;
}
/**
 * ``streams/{id}/segments/{seq:08d}``: the analysis of one segment object generation.
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "SegmentResult".
 */
export interface SegmentResult {
  seq: number;
  stream_id: string;
  object: string;
  generation: string;
  /**
   * > 0: re-analysed by a backfill
   */
  revision: number;
  backfill_id: string | null;
  /**
   * stream media time of the first frame
   */
  media_start: number | null;
  duration: number | null;
  program_date_time: Date | null;
  status: ("done" | "failed" | "skipped") | null;
  error: string | null;
  mode: "realtime" | "batch";
  backend: string;
  video: VideoInfo | null;
  frames: FrameResult[];
  /**
   * what the model backend noted
   */
  warnings: string[];
  timings: SegmentTimings;
  /**
   * brand -> start of an appearance still on screen at the segment's end
   */
  open_runs: {
    [k: string]: number;
  };
  /**
   * brand -> bucket object of its evidence JPEG: the frame of its best logo detection in this segment, box drawn (a brand whose upload failed is absent)
   */
  evidence: {
    [k: string]: string;
  };
  /**
   * logo | text | speech -> what that brand signal did for this segment (why one did not run is also in `warnings`)
   */
  signals: {
    [k: string]: "done" | "off" | "shed" | "no_audio" | "silence" | "unavailable" | "failed";
  };
  /**
   * words of the stream's audio this segment owns: those starting in [speech_from, speech_to) (windows overlap, each word is stored once)
   */
  transcript: Word[];
  speech_from: number | null;
  speech_to: number | null;
  /**
   * brands said aloud in `transcript`
   */
  mentions: Mention[];
}
/**
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "VideoInfo".
 */
export interface VideoInfo {
  width: number;
  height: number;
  fps: number | null;
  codec: string | null;
  keyframes: number;
}
/**
 * One sampled frame of a segment: labels plus the model-free measures.
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "FrameResult".
 */
export interface FrameResult {
  detections: Detection[];
  scene: LabelScore[];
  brands: LabelScore[];
  /**
   * lines OCR read (only on the frames OCR ran on: see `ocr`)
   */
  text: TextLine[];
  /**
   * OCR ran on this frame
   */
  ocr: boolean;
  /**
   * stream media time (s) of the frame
   */
  t: number;
  brightness: number | null;
  colors: Colour[];
  motion: number | null;
}
/**
 * One box: an object (YOLO), a brand's logo, or a brand name read on screen (OCR).
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "Detection".
 */
export interface Detection {
  score: number;
  /**
   * x, y, width, height; normalised 0-1, origin top-left
   */
  box: [number, number, number, number];
  label: string;
  kind: "object" | "logo" | "text";
  /**
   * model or method that found it
   */
  source: string;
  /**
   * kind text: the line OCR read (label: the brand)
   */
  text: string | null;
}
/**
 * A zero-shot label of a whole frame (CLIP scene or brand).
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "LabelScore".
 */
export interface LabelScore {
  label: string;
  score: number;
}
/**
 * One line of text OCR read in a frame (its box: the axis-aligned hull).
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "TextLine".
 */
export interface TextLine {
  score: number;
  /**
   * x, y, width, height; normalised 0-1, origin top-left
   */
  box: [number, number, number, number];
  text: string;
}
/**
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "Colour".
 */
export interface Colour {
  hex: string;
  /**
   * share of the frame's pixels
   */
  share: number;
}
export interface SegmentTimings {
  uploaded_at: Date | null;
  event_at: Date | null;
  started_at: Date | null;
  decode_ms: number | null;
  inference_ms: number | null;
  /**
   * rendering and storing evidence frames
   */
  evidence_ms: number | null;
  /**
   * on-screen text (OCR), beside inference
   */
  text_ms: number | null;
  /**
   * the speech window, beside inference
   */
  speech_ms: number | null;
  finished_at: Date | null;
}
/**
 * One transcribed word; times are stream media seconds.
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "Word".
 */
export interface Word {
  word: string;
  start: number;
  end: number;
  probability: number;
}
/**
 * A brand said aloud: the words of the transcript that name it (name or alias).
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "Mention".
 */
export interface Mention {
  brand: string;
  /**
   * media time the first matched word starts
   */
  start: number;
  end: number;
  /**
   * the words as transcribed
   */
  text: string;
  /**
   * match quality x the words' probability
   */
  score: number;
}
/**
 * One continuous stretch of a brand on screen (media seconds from stream start).
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "Appearance".
 */
export interface Appearance {
  brand: string;
  /**
   * logo | text (on screen) | speech (a mention)
   */
  source: "logo" | "text" | "speech";
  start: number;
  end: number;
  /**
   * on screen; for a spoken mention, how long it was said
   */
  seconds: number;
  /**
   * text and speech: what was read or said
   */
  text: string | null;
  /**
   * largest view: x, y, w, h (0-1)
   */
  peak_box: number[] | null;
  /**
   * its share of the frame's area
   */
  peak_size: number | null;
  /**
   * media time of the clearest view
   */
  best_frame_t: number | null;
  best_score: number | null;
  /**
   * segment whose evidence frame shows this appearance
   */
  evidence_seq: number | null;
  /**
   * API path of that JPEG (GET /v1/streams/{id}/evidence/{seq}/{brand}, same credentials as the rest of the API); null: no frame stored
   */
  evidence: string | null;
}
/**
 * ``stats`` of a stream document: segment counters and live latency (the latency
 * fields appear once a segment has been analysed, hence optional in TypeScript).
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "StreamStats".
 */
export interface StreamStats {
  segments?: number;
  analyzed?: number;
  failed?: number;
  skipped?: number;
  latency_p50_ms?: number | null;
  latency_p95_ms?: number | null;
  latency_window?: number | null;
  lag_s?: number | null;
  [k: string]: unknown;
}
/**
 * ``brands.{brand}`` of a stream document: the brand's totals over the stream. On
 * screen means found by its logo or its name read in the frame (a frame with both
 * counts once); spoken mentions are counted apart (a mention has no screen time).
 *
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "BrandAggregate".
 */
export interface BrandAggregate {
  /**
   * on screen: logo or text
   */
  seconds?: number;
  logo_seconds?: number;
  text_seconds?: number;
  /**
   * times said aloud
   */
  mentions?: number;
  first_seen?: number | null;
  last_seen?: number | null;
  first_mention?: number | null;
  last_mention?: number | null;
  [k: string]: unknown;
}
/**
 * This interface was referenced by `ResultSchema`'s JSON-Schema
 * via the `definition` "SegmentTimings".
 */
export interface SegmentTimings1 {
  uploaded_at: Date | null;
  event_at: Date | null;
  started_at: Date | null;
  decode_ms: number | null;
  inference_ms: number | null;
  /**
   * rendering and storing evidence frames
   */
  evidence_ms: number | null;
  /**
   * on-screen text (OCR), beside inference
   */
  text_ms: number | null;
  /**
   * the speech window, beside inference
   */
  speech_ms: number | null;
  finished_at: Date | null;
}
