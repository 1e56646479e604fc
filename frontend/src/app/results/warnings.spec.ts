import { describe, expect, it } from 'vitest';
import { Segment, StreamDoc } from '../core/models';
import { analysisWarning, emptyBrandsReason, streamWarnings, warningView } from './warnings';

const stream: StreamDoc = { id: 's', name: 'Show', status: 'live', mode: 'realtime' };

function segment(fields: Partial<Segment> = {}): Segment {
  return { seq: 3, status: 'done', backend: 'local', frames: [], warnings: [], ...fields } as unknown as Segment;
}

describe('analysis warnings (what the pipeline writes)', () => {
  it('reads CLIP still loading as warming up, not as broken', () => {
    const w = analysisWarning('CLIP unavailable, no scene or brand labels: still loading');
    expect(w).toMatchObject({ id: 'clip-warming', severity: 'info', title: 'Brand recognition is warming up' });
    const broken = analysisWarning('CLIP unavailable, no scene or brand labels: no weights at /opt/models');
    expect(broken).toMatchObject({ id: 'clip-unavailable', severity: 'error', detail: 'no weights at /opt/models' });
  });

  it('names the unusable logo and links to the brands page', () => {
    const w = analysisWarning('logo reference acme/2.png is not used: too few features');
    expect(w.title).toContain('acme/2.png');
    expect(w.detail).toBe('too few features');
    expect(w.panels).toEqual(['brands']);
    expect(w.link?.route).toBe('/brands');
  });

  it('keeps unknown messages, in the pipeline’s words', () => {
    expect(analysisWarning('frame 3: quota exceeded')).toMatchObject({ severity: 'warn', detail: 'frame 3: quota exceeded' });
    expect(analysisWarning('no object detector: darknet weights missing').panels).toContain('results');
  });
});

describe('stream warnings', () => {
  it('says CLIP was warming up, in the past, once the stream has ended', () => {
    const loading = segment({ warnings: ['CLIP unavailable, no scene or brand labels: still loading'] });
    const live = streamWarnings({ stream, latest: loading, segments: [loading] });
    expect(live[0]).toMatchObject({ id: 'clip-warming', title: 'Brand recognition is warming up' });
    const ended = streamWarnings({ stream: { ...stream, status: 'ended' }, latest: loading, segments: [loading] });
    expect(ended[0]).toMatchObject({ id: 'clip-warming', title: 'Brand recognition was warming up' });
    expect(ended[0].action).toContain('backfill');
    expect(ended[0].action).not.toContain('Nothing to do');
  });

  it('puts each warning beside its panel, errors first, each with what to do', () => {
    const doc: StreamDoc = {
      ...stream,
      warnings: { keyframe_interval: 'Keyframes arrive every 8.0 s …' },
      stats: { lag_s: 42, failed: 2, skipped: 1 },
      ingest: { dropped: 3 },
    };
    const failed = segment({ seq: 7, status: 'failed', error: 'decode: invalid data' } as Partial<Segment>);
    const warnings = streamWarnings({ stream: doc, latest: segment(), segments: [segment(), failed] });
    expect(warnings.map((w) => w.id)).toEqual(['failed', 'keyframes', 'lag', 'dropped', 'skipped']);
    expect(warnings.find((w) => w.id === 'keyframes')?.panels).toEqual(['player']);
    expect(warnings.find((w) => w.id === 'failed')?.detail).toContain('#7');
    // Missing seconds in the exposure: said right above it, under the player.
    expect(warnings.find((w) => w.id === 'failed')?.panels[0]).toBe('player');
    expect(warnings.find((w) => w.id === 'skipped')?.panels[0]).toBe('player');
    expect(warnings.find((w) => w.id === 'lag')?.title).toBe('Results are 42 s behind live');
    for (const w of warnings) expect(w.action.length).toBeGreaterThan(10);
  });

  it('says nothing when all is well, and no lag warning once the stream ended', () => {
    expect(streamWarnings({ stream, latest: segment(), segments: [] })).toEqual([]);
    expect(streamWarnings({ stream: { ...stream, status: 'ended', stats: { lag_s: 99 } }, latest: null, segments: [] })).toEqual([]);
  });

  it('falls back to the stream document’s analysis warnings before segments load', () => {
    const doc = { ...stream, analysis_warnings: { messages: ['CLIP unavailable, x: still loading'], seq: 2 } };
    expect(streamWarnings({ stream: doc, latest: null, segments: [] }).map((w) => w.id)).toEqual(['clip-warming']);
  });
});

describe('empty brand panel', () => {
  const reason = (latest: Segment | null, warnings: ReturnType<typeof streamWarnings>, library: number | null = 3) =>
    emptyBrandsReason(stream, latest, warnings, library, latest ? 5 : 0);

  it('never just says "no brand seen yet": it says why', () => {
    const off = streamWarnings({ stream, latest: segment({ backend: 'measures' }), segments: [] });
    expect(reason(segment({ backend: 'measures' }), off)).toContain('Brand analysis is off');
    expect(reason(segment(), [], 0)).toContain('No brands to look for');
    const broken = streamWarnings({ stream, latest: segment({ warnings: ['CLIP unavailable, x: boom'] }), segments: [] });
    expect(reason(segment(), broken)).toContain('impaired');
    const warming = streamWarnings({ stream, latest: segment({ warnings: ['CLIP unavailable, x: still loading'] }), segments: [] });
    expect(reason(segment(), warming)).toContain('warming up');
    expect(reason(null, [])).toContain('Waiting for the first analysed segment');
    expect(reason(segment(), [])).toBe('None of the 3 monitored brands has been on screen so far (5 segments analysed).');
    expect(reason(segment(), [], 1)).toBe('The monitored brand has not been on screen so far (5 segments analysed).');
    for (const text of [reason(segment(), []), reason(null, [])]) expect(text).not.toMatch(/no brand seen yet/i);
  });
});

describe('brand signal warnings (segment `signals`)', () => {
  it('says speech or text was shed to keep up, beside the panel it affects, with the pipeline’s words', () => {
    const latest = segment({
      signals: { logo: 'done', text: 'shed', speech: 'shed' },
      warnings: ['speech shed: 14 s behind live', 'ocr shed: 14 s behind live'],
    } as Partial<Segment>);
    const warnings = streamWarnings({ stream, latest, segments: [latest] });
    const speech = warnings.find((w) => w.id === 'speech-shed')!;
    const text = warnings.find((w) => w.id === 'text-shed')!;
    expect(speech).toMatchObject({ severity: 'warn', panels: ['transcript', 'brands'], detail: 'speech shed: 14 s behind live' });
    expect(speech.title).toBe('Speech skipped to keep up with live');
    expect(text).toMatchObject({ panels: ['player', 'brands'], detail: 'ocr shed: 14 s behind live' });
    // Explained once: not repeated as "the analysis reported a problem".
    expect(warnings.filter((w) => w.id.startsWith('other:'))).toEqual([]);
  });

  it('reads failed and unavailable as errors, no audio as information, and off or silence as nothing to warn about', () => {
    const failed = segment({ signals: { speech: 'failed', text: 'unavailable' }, warnings: ['transcription failed: out of memory'] } as Partial<Segment>);
    const ids = streamWarnings({ stream, latest: failed, segments: [failed] }).map((w) => [w.id, w.severity]);
    expect(ids).toEqual([['text-unavailable', 'error'], ['speech-failed', 'error']]);
    const mute = segment({ signals: { speech: 'no_audio' } } as Partial<Segment>);
    expect(streamWarnings({ stream, latest: mute, segments: [mute] }).map((w) => w.id)).toEqual(['speech-no-audio']);
    const quiet = segment({ signals: { speech: 'silence', text: 'off' } } as Partial<Segment>);
    expect(streamWarnings({ stream, latest: quiet, segments: [quiet] })).toEqual([]);
    // Switched off for the stream since: its last state is no longer news.
    const off = { ...stream, signals: { speech: false } };
    expect(streamWarnings({ stream: off, latest: failed, segments: [failed] }).map((w) => w.id)).toEqual(['text-unavailable']);
  });
});

describe('warning cards (warningView)', () => {
  it('keeps title, meaning and what to do in view; the raw error goes under Details', () => {
    const raw = 'CLIP unavailable: OSError: no weights at /opt/models/clip-vit-b32.pt\nTraceback (most recent call last): …';
    const v = warningView(analysisWarning(raw));
    expect(v.title).toBe('Brand recognition (CLIP) is unavailable');
    expect(v.action).toContain('logo matching still runs');
    expect(v.details).toBe('OSError: no weights at /opt/models/clip-vit-b32.pt\nTraceback (most recent call last): …');
    expect(v.detailsHint).toBe('OSError: no weights at /opt/models/clip-vit-b32.pt');
    expect(v.title + v.explain + v.action).not.toContain('OSError');
  });

  it('shows the app\'s own explanation, with no Details when there is no raw text', () => {
    const v = warningView(analysisWarning('CLIP unavailable: still loading'));
    expect(v.explain).toContain('still loading on the model service');
    expect(v.details).toBe('');
    const lag = streamWarnings({ stream: { ...stream, stats: { lag_s: 30 } } as StreamDoc, latest: null, segments: [] });
    expect(warningView(lag.find((w) => w.id === 'lag')!).details).toBe('');
  });

  it('clips a long first line for the folded hint, keeps the whole text inside', () => {
    const long = 'x'.repeat(300);
    const v = warningView(analysisWarning(long));
    expect(v.details).toBe(long);
    expect(v.detailsHint.length).toBe(80);
    expect(v.detailsHint.endsWith('…')).toBe(true);
  });
});
