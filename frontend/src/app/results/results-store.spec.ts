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
      { brand: 'acme', source: 'logo', start: 0, end: 3 },
      { brand: 'acme', source: 'logo', start: 7, end: 8 },
      { brand: 'zeta', source: 'logo', start: 7, end: 8 },
    ]);
  });

  it('keeps a brand read on screen apart from its logo, each OCR read standing for its share', () => {
    const seg = segment(0, { 0: ['acme'] });
    // OCR read the second frame only: it stands for the whole 2 s segment.
    seg.frames[1] = {
      ...seg.frames[1],
      ocr: true,
      text: [{ text: 'ACME SALE', score: 0.9, box: [0.1, 0.1, 0.3, 0.1] }],
      detections: [{ label: 'acme', score: 0.9, box: [0.1, 0.1, 0.3, 0.1], kind: 'text', source: 'ocr', text: 'ACME SALE' }],
    };
    expect(brandAppearances([seg])).toEqual([
      { brand: 'acme', source: 'logo', start: 0, end: 1 },
      { brand: 'acme', source: 'text', start: 1, end: 3 },
    ]);
    const store = new ResultsStore();
    store.applySegments([seg]);
    expect(store.ocrFrames().map((f) => f.t)).toEqual([1]);
  });

  it('ranks brands by seconds with their share of voice, split by source, with mentions', () => {
    const stream: StreamDoc = {
      id: 's', name: 's', status: 'live', mode: 'realtime',
      brands: {
        acme: { seconds: 6, logo_seconds: 5, text_seconds: 2, mentions: 1, first_seen: 0, last_seen: 8 },
        zeta: { seconds: 2 },
        gone: { seconds: 0 },
        said: { seconds: 0, mentions: 3 },
      },
    };
    expect(brandRows(stream)).toEqual([
      { brand: 'acme', seconds: 6, logoSeconds: 5, textSeconds: 2, mentions: 1, shareOfVoice: 0.75, firstSeen: 0, lastSeen: 8 },
      // A stream analysed before text and speech existed: its seconds are the logo's.
      { brand: 'zeta', seconds: 2, logoSeconds: 2, textSeconds: 0, mentions: 0, shareOfVoice: 0.25, firstSeen: undefined, lastSeen: undefined },
      // Only said aloud: listed, with no screen time.
      { brand: 'said', seconds: 0, logoSeconds: 0, textSeconds: 0, mentions: 3, shareOfVoice: 0, firstSeen: undefined, lastSeen: undefined },
    ]);
    expect(brandRows(null)).toEqual([]);
  });

  it('collects the transcript and mentions of the segments held', () => {
    const store = new ResultsStore();
    const word = (text: string, start: number) => ({ word: text, start, end: start + 0.3, probability: 0.9 });
    store.applySegments([
      segment(1, {}, { transcript: [word('drink', 2.2)], mentions: [{ brand: 'acme', start: 2.6, end: 2.9, text: 'Acme', score: 0.7 }] }),
      segment(0, {}, { transcript: [word('hello', 0.5)] }),
    ]);
    expect(store.words().map((w) => w.word)).toEqual(['hello', 'drink']);
    expect(store.mentions().map((m) => m.brand)).toEqual(['acme']);
  });
});
