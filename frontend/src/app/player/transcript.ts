/**
 * The live transcript under the player: the words said around the media time on screen,
 * brand mentions among them, and what speech recognition did where nothing is shown.
 *
 * Words come from the segments' `transcript` (stream media seconds; the pipeline
 * transcribes overlapping windows and stores each word once, on the segment that owns its
 * start), mentions from their `mentions`. Both are read in media time, the clock the
 * overlay follows (player/time-mapping.ts), so the strip keeps pace with the picture.
 */
import type { Mention, Segment, SignalState, StreamDoc, Word } from '../core/models';
import { streamSignals } from '../core/sources';

/** Seconds of transcript shown before and after the media time on screen. */
export const TRANSCRIPT_BEFORE_S = 12;
export const TRANSCRIPT_AFTER_S = 3;

export interface TranscriptToken {
  kind: 'word' | 'mention';
  /** the word, or a mention's words as transcribed */
  text: string;
  start: number;
  end: number;
  /** mention: the brand said */
  brand?: string;
  /** already said at the media time on screen, being said, or still to come */
  when: 'past' | 'now' | 'ahead';
}

/** Every word the segments hold, in time order, each once (a segment re-analysed by a
 *  backfill replaces its words; two stored copies of one word are shown once). */
export function transcriptWords(segments: readonly Segment[]): Word[] {
  const seen = new Set<string>();
  const out: Word[] = [];
  for (const segment of segments) {
    for (const w of segment.transcript ?? []) {
      const key = `${Math.round(w.start * 100)}:${w.word.trim()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(w);
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Every brand mention the segments hold, in time order, each once. */
export function spokenMentions(segments: readonly Segment[]): Mention[] {
  const seen = new Set<string>();
  const out: Mention[] = [];
  for (const segment of segments) {
    for (const m of segment.mentions ?? []) {
      const key = `${m.brand}@${Math.round(m.start * 100)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(m);
    }
  }
  return out.sort((a, b) => a.start - b.start || a.brand.localeCompare(b.brand));
}

/** First index whose value is >= t (values ascending). */
function lowerBound<T>(items: readonly T[], t: number, key: (item: T) => number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (key(items[mid]) < t) low = mid + 1;
    else high = mid;
  }
  return low;
}

function when(start: number, end: number, t: number): TranscriptToken['when'] {
  if (start > t) return 'ahead';
  return end > t ? 'now' : 'past';
}

/**
 * The words around media time `t` (those ending after t - before and starting before
 * t + after), in order, the words of a brand mention joined into one mention token. A
 * mention whose words are not in the transcript still shows, with its own text.
 */
export function transcriptWindow(
  words: readonly Word[],
  mentions: readonly Mention[],
  t: number,
  before = TRANSCRIPT_BEFORE_S,
  after = TRANSCRIPT_AFTER_S,
): TranscriptToken[] {
  const from = t - before;
  const to = t + after;
  // Words are sorted by start; none lasts longer than a few seconds, so those ending after
  // `from` start after from - 5.
  const first = lowerBound(words, from - 5, (w) => w.start);
  const shown = [];
  for (let i = first; i < words.length && words[i].start < to; i++) {
    if (words[i].end > from) shown.push(words[i]);
  }
  const near = mentions.filter((m) => m.end > from && m.start < to);
  const tokens: TranscriptToken[] = [];
  const used = new Set<Mention>();
  let openMention: Mention | null = null;
  let openToken: TranscriptToken | null = null;
  for (const w of shown) {
    // A word belongs to the mention it starts in (the mention's times are its words').
    const mention = near.find((m) => w.start >= m.start - 0.05 && w.start < m.end - 0.01);
    if (mention && openToken && openMention === mention) {
      openToken.end = Math.max(openToken.end, w.end);
      continue;
    }
    if (mention) {
      used.add(mention);
      const token: TranscriptToken = {
        kind: 'mention',
        text: mention.text.trim() || w.word.trim(),
        start: mention.start,
        end: Math.max(mention.end, w.end),
        brand: mention.brand,
        when: 'past',
      };
      openMention = mention;
      openToken = token;
      tokens.push(token);
      continue;
    }
    openMention = null;
    openToken = null;
    tokens.push({ kind: 'word', text: w.word.trim(), start: w.start, end: w.end, when: 'past' });
  }
  for (const m of near) {
    if (used.has(m)) continue;
    tokens.push({ kind: 'mention', text: m.text.trim() || m.brand, start: m.start, end: m.end, brand: m.brand, when: 'past' });
  }
  tokens.sort((a, b) => a.start - b.start);
  for (const token of tokens) token.when = when(token.start, token.end, t);
  return tokens.filter((token) => token.text);
}

export type SpeechStatus = SignalState | 'pending' | 'none';

export interface SpeechNote {
  status: SpeechStatus;
  /** what the strip says, short */
  message: string;
  /** the pipeline's own words (a segment warning), when it gave any */
  detail?: string;
}

/** Warnings of a segment about speech (or, for `text`, on-screen text). */
export function signalMessages(segment: Segment | null | undefined, kind: 'speech' | 'text'): string[] {
  const pattern = kind === 'speech' ? /speech|transcri|whisper|audio|vad\b/i : /\bocr\b|on-screen text|rapidocr|\btext\b/i;
  return (segment?.warnings ?? []).filter((m) => pattern.test(m));
}

const SPEECH_MESSAGES: Record<SignalState, string> = {
  done: '',
  off: 'Speech was off for these seconds.',
  shed: 'Speech skipped here to keep up with live.',
  no_audio: 'No audio: this part of the stream has no sound track.',
  silence: 'Silence: nothing was said here.',
  unavailable: 'Speech recognition is unavailable.',
  failed: 'Speech recognition failed here.',
};

/**
 * What speech recognition did at media time `t` (null: the newest analysed moment), for
 * the strip to say when it shows no words (and, for a problem, beside the words):
 * switched off for the stream, no audio, silence, shed under load, unavailable or failed
 * (with the segment's warning), not transcribed yet, or analysed without speech at all.
 */
export function speechNoteAt(
  stream: StreamDoc | null,
  segments: readonly Segment[],
  t: number | null,
  on = streamSignals(stream),
): SpeechNote {
  if (!on.speech) {
    return { status: 'off', message: 'Speech is off for this stream.' };
  }
  const done = segments.filter((s) => s.status === 'done' || s.status === 'skipped');
  const at =
    t === null
      ? done.at(-1)
      : done.find((s) => s.media_start !== null && t >= s.media_start && t < s.media_start + (s.duration ?? 2));
  // The segment that owns the words of `t` (windows span segments: the words of one
  // moment may be stored on a later segment), else the one whose picture it is.
  const owns = (s: Segment) => typeof s.speech_from === 'number' && typeof s.speech_to === 'number';
  const owner = t === null ? undefined : segments.find((s) => owns(s) && t >= s.speech_from! && t < s.speech_to!);
  const segment = owner ?? at;
  if (segment?.status === 'skipped') {
    return { status: 'shed', message: 'This segment was skipped to keep up with live: nothing was transcribed.' };
  }
  const state = segment?.signals?.['speech'];
  if (state) {
    const detail = signalMessages(segment, 'speech')[0];
    if (state === 'done' && !owner && t !== null && segments.some(owns)) {
      // Its picture is analysed, its words not stored yet (the window closes later).
      return { status: 'pending', message: 'Transcribing these seconds…' };
    }
    return { status: state, message: state === 'done' ? 'Nothing said here.' : SPEECH_MESSAGES[state], detail };
  }
  if (!segments.some((s) => s.signals?.['speech'])) {
    // No segment held says anything about speech: analysed before speech recognition
    // existed, or nothing analysed yet.
    if (!done.length) return { status: 'pending', message: 'Waiting for the first analysed segment…' };
    return { status: 'none', message: 'No transcript: this stream was analysed without speech recognition.' };
  }
  return stream?.status === 'live'
    ? { status: 'pending', message: 'Transcribing these seconds…' }
    : { status: 'none', message: 'No transcript for these seconds.' };
}
