import { describe, expect, it } from 'vitest';
import { Segment, StreamDoc } from '../core/models';
import { ResultsStore, brandAppearances, brandRows } from './results-store';

function segment(seq: number, brandsAt: Record<number, string[]>, extra: Partial<Segment> = {}): Segment {
  const start = seq * 2;
  return {
    seq,
    media_start: start,
    duration: 2,
    status: 'done',
    mode: 'realtime',
    backend: 'darknet:yolov3-tiny',
    frames: [0, 1].map((i) => ({
      t: start + i,
      detections: (brandsAt[start + i] ?? []).map((b) => ({ label: b, score: 0.8, box: [0, 0, 0.1, 0.1], kind: 'logo' as const })),
      scene: [],
      brands: [],
      brightness: 0.5,
      colors: [],
      motion: 0,
    })),
    timings: {
      uploaded_at: new Date(1_000_000 + seq * 2000),
      started_at: new Date(1_000_000 + seq * 2000 + 60),
      finished_at: new Date(1_000_000 + seq * 2000 + 250 + seq),
      decode_ms: 40,
      inference_ms: 90,
    },
    ...extra,
  };
}

describe('ResultsStore', () => {
  it('keeps segments by seq, replaces redelivered ones and orders frames by media time', () => {
    const store = new ResultsStore();
    store.applySegments([segment(2, {}), segment(0, {})]);
    store.applySegments([segment(1, {}), segment(2, { 4: ['acme'] })]);
    expect(store.segments().map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(store.frames().map((f) => f.t)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(store.frames()[4].detections[0].label).toBe('acme');
    store.applySegments([], [1]);
    expect(store.segments().map((s) => s.seq)).toEqual([0, 2]);
    expect(store.mediaStartOf(2)).toBe(4);
    expect(store.mediaStartOf(1)).toBeUndefined();
  });

  it('reports per-segment latency and the latest analysed segment', () => {
    const store = new ResultsStore();
    store.applySegments([segment(0, {}), segment(1, {}), segment(2, {}, { status: 'skipped', frames: [], timings: {} })]);
    const stages = { eventMs: 60, decodeMs: 40, inferenceMs: 90 };
    expect(store.timings()).toEqual([
      { seq: 0, status: 'done', latencyMs: 250, ...stages },
      { seq: 1, status: 'done', latencyMs: 251, ...stages },
      { seq: 2, status: 'skipped', latencyMs: null, eventMs: null, decodeMs: null, inferenceMs: null },
    ]);
    expect(store.latest()?.seq).toBe(1);
  });

  it('clears when another stream is selected', () => {
    const store = new ResultsStore();
    store.applySegments([segment(0, {})]);
    store.setStream({ id: 'x', name: 'x', status: 'live', mode: 'realtime' });
    store.clear();
    expect(store.segments()).toEqual([]);
    expect(store.stream()).toBeNull();
  });
});

describe('brand panel data', () => {
  it('merges sightings into on-screen intervals', () => {
    const segments = [segment(0, { 0: ['acme'], 1: ['acme'] }), segment(1, { 2: ['acme'] }), segment(3, { 7: ['acme', 'zeta'] })];
    expect(brandAppearances(segments)).toEqual([
      { brand: 'acme', start: 0, end: 3 },
      { brand: 'acme', start: 7, end: 8 },
      { brand: 'zeta', start: 7, end: 8 },
    ]);
  });

  it('ranks brands by seconds with their share of voice', () => {
    const stream: StreamDoc = {
      id: 's', name: 's', status: 'live', mode: 'realtime',
      brands: { acme: { seconds: 6, first_seen: 0, last_seen: 8 }, zeta: { seconds: 2 }, gone: { seconds: 0 } },
    };
    expect(brandRows(stream)).toEqual([
      { brand: 'acme', seconds: 6, shareOfVoice: 0.75, firstSeen: 0, lastSeen: 8 },
      { brand: 'zeta', seconds: 2, shareOfVoice: 0.25, firstSeen: undefined, lastSeen: undefined },
    ]);
    expect(brandRows(null)).toEqual([]);
  });
});
