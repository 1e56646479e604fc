import { describe, expect, it } from 'vitest';
import { Mention, Segment, StreamDoc, Word } from '../core/models';
import { speechNoteAt, spokenMentions, transcriptWindow, transcriptWords } from './transcript';

const live: StreamDoc = { id: 's', name: 's', status: 'live', mode: 'realtime' };

function w(word: string, start: number, end = start + 0.4): Word {
  return { word, start, end, probability: 0.9 };
}

function segment(seq: number, fields: Partial<Segment> = {}): Segment {
  return {
    seq,
    media_start: seq * 2,
    duration: 2,
    status: 'done',
    frames: [],
    warnings: [],
    signals: { logo: 'done', speech: 'done' },
    transcript: [],
    mentions: [],
    speech_from: null,
    speech_to: null,
    ...fields,
  } as unknown as Segment;
}

/** "today brought to you by Red Bull and more" from 10 s, a word every half second. */
const SAID = ['today', 'brought', 'to', 'you', 'by', 'Red', 'Bull', 'and', 'more'];
const words = SAID.map((text, i) => w(text, 10 + i * 0.5, 10 + i * 0.5 + 0.4));
const redbull: Mention = { brand: 'redbull', start: 12.5, end: 13.4, text: 'Red Bull', score: 0.8 };

describe('transcript words and mentions from segments', () => {
  it('orders words by time and shows a word stored twice once', () => {
    const a = segment(6, { transcript: [words[2], words[0]] });
    const b = segment(5, { transcript: [words[1], { ...words[0] }] });
    expect(transcriptWords([a, b]).map((x) => x.word)).toEqual(['today', 'brought', 'to']);
  });

  it('keeps each mention once, by time', () => {
    const later: Mention = { ...redbull, start: 40, end: 41 };
    const a = segment(6, { mentions: [later, redbull] });
    const b = segment(7, { mentions: [{ ...redbull }] });
    expect(spokenMentions([a, b]).map((m) => m.start)).toEqual([12.5, 40]);
  });
});

describe('transcriptWindow: the words around the media time on screen', () => {
  it('shows the words said before and just after the time, each marked past, now or ahead', () => {
    const tokens = transcriptWindow(words, [], 11.1, 1, 1);
    // 10.1..12.1: "today" ends at 10.4 (> 10.1) ... "by" starts at 12.0 (< 12.1)
    expect(tokens.map((t) => t.text)).toEqual(['today', 'brought', 'to', 'you', 'by']);
    expect(tokens.map((t) => t.when)).toEqual(['past', 'past', 'now', 'ahead', 'ahead']);
  });

  it('follows the media time: a later time shows later words', () => {
    expect(transcriptWindow(words, [], 10.2, 0, 0.2).map((t) => t.text)).toEqual(['today']);
    expect(transcriptWindow(words, [], 14.1, 0.1, 0).map((t) => t.text)).toEqual(['more']);
    expect(transcriptWindow(words, [], 30, 5, 5)).toEqual([]);
  });

  it('joins the words of a brand mention into one chip that seeks to where it was said', () => {
    const tokens = transcriptWindow(words, [redbull], 13.0);
    const mention = tokens.filter((t) => t.kind === 'mention');
    expect(mention).toEqual([{ kind: 'mention', text: 'Red Bull', start: 12.5, end: 13.4, brand: 'redbull', when: 'now' }]);
    expect(tokens.map((t) => t.text)).toEqual(['today', 'brought', 'to', 'you', 'by', 'Red Bull', 'and', 'more']);
  });

  it('shows a mention whose words are not in the transcript, with its own text', () => {
    const tokens = transcriptWindow([], [redbull], 14);
    expect(tokens).toEqual([{ kind: 'mention', text: 'Red Bull', start: 12.5, end: 13.4, brand: 'redbull', when: 'past' }]);
  });
});

describe('speechNoteAt: what the strip says where no word is shown', () => {
  it('says speech is off for the stream before anything else', () => {
    const off = { ...live, signals: { speech: false } };
    expect(speechNoteAt(off, [segment(0)], 1).status).toBe('off');
    expect(speechNoteAt(off, [segment(0)], 1).message).toBe('Speech is off for this stream.');
  });

  it('reads the state of the segment on screen, with its warning', () => {
    const shed = segment(3, { signals: { speech: 'shed' }, warnings: ['speech shed: analysis 14 s behind live', 'other'] });
    const note = speechNoteAt(live, [segment(2), shed, segment(4)], 7);
    expect(note).toEqual({
      status: 'shed',
      message: 'Speech skipped here to keep up with live.',
      detail: 'speech shed: analysis 14 s behind live',
    });
    expect(speechNoteAt(live, [segment(0, { signals: { speech: 'no_audio' } })], 1).status).toBe('no_audio');
    expect(speechNoteAt(live, [segment(0, { signals: { speech: 'silence' } })], 1).message).toBe('Silence: nothing was said here.');
    const failed = segment(0, { signals: { speech: 'failed' }, warnings: ['transcription failed: model not loaded'] });
    expect(speechNoteAt(live, [failed], 1).detail).toBe('transcription failed: model not loaded');
    expect(speechNoteAt(live, [segment(0, { status: 'skipped' })], 1).status).toBe('shed');
  });

  it('takes the state of the segment that owns the words of that moment', () => {
    // Segment 1's picture, but its words belong to segment 2's window (written later).
    const owner = segment(2, { speech_from: 1.5, speech_to: 5.5, signals: { speech: 'failed' } });
    expect(speechNoteAt(live, [segment(0, { speech_from: 0, speech_to: 1.5 }), segment(1), owner], 3).status).toBe('failed');
    // Not owned yet: the words of that moment are still being transcribed.
    expect(speechNoteAt(live, [segment(0, { speech_from: 0, speech_to: 1.5 }), segment(1)], 3).status).toBe('pending');
  });

  it('tells a stream analysed without speech recognition from one still waiting', () => {
    const old = segment(0, { signals: { logo: 'done' } });
    expect(speechNoteAt(live, [old], 1).status).toBe('none');
    expect(speechNoteAt(live, [], null).status).toBe('pending');
    expect(speechNoteAt(live, [segment(0)], null)).toEqual({ status: 'done', message: 'Nothing said here.', detail: undefined });
  });
});
