"""Speech across segment boundaries: overlapping windows, each word stored once.

Whisper pads every call to 30 s, and a word cut by a segment boundary is lost
or garbled if each 2 s segment is transcribed alone. So segment N is
transcribed in a *window*: the last ``context_s`` of segment N-1's audio
followed by N's own. Ownership decides which words N stores:

    N owns the words that start in [start(N) - hold_s, end(N) - hold_s)

Consecutive segments' owned ranges tile the timeline, so every word is stored
by exactly one segment. A word starting in N's last ``hold_s`` may still be
running at the cut; N leaves it to N+1, whose window holds it whole.

Brand mentions are matched over the whole window's words (a name split by the
boundary is one mention) and owned by their *end*, with a shorter hold: a mention
whose last word ended ``MENTION_HOLD_S`` before the cut is complete, so N reports it
without waiting for N+1 (a mention said near a segment's end reaches Firestore one
segment sooner). Two windows time the same word a few hundredths of a second apart,
so N also takes mentions ending up to ``MENTION_JITTER_S`` before its range (none is
lost between two windows), and a mention the previous segment kept (same brand,
starting within ``MENTION_SAME_S``) is not counted again; a word the previous segment
stored (same word within ``WORD_SAME_S``) is not stored again; so N also takes words
starting up to ``MENTION_JITTER_S`` before its range that N-1 did not store.

Whisper hears a name near a window's edge worse than in its middle, so two windows
often disagree about a boundary mention: the one owning it missed it, the other heard
it. Both are taken (the signals bench lost one mention in four so):

- a mention N hears in its context, in N-1's range, that N-1 did not keep: N-1 missed it;
- a mention N-1 heard after its range that N does not hear: N's window missed it.

All of this uses what this instance remembers of the previous segment (a cold instance
may count one twice, or miss a boundary mention one window did not hear).

Segment N-1's audio comes from a small per-instance cache (the same function
instance usually analysed it a moment ago) or else from the bucket. Without it
(the first segment, or N-1 missing) N owns from its own start.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from functions.audio import SILENCE_RMS, SegmentAudio, decode_audio, join
from functions.brand_text import DOUBTFUL_PROBABILITY, BrandMatcher, normal_words
from mediacore.names import segment_object
from mediacore.schema import Mention, TranscribeResponse, Word
from mediacore.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)

MENTION_HOLD_S = 0.2
MENTION_JITTER_S = 0.3
MENTION_SAME_S = 0.5
WORD_SAME_S = 0.5
ECHO_EDGE_S = 0.15


@dataclass
class Window:
    audio: SegmentAudio  # what is sent: context from N-1, then N
    own_from: float  # words starting in [own_from, own_to) are this segment's
    own_to: float
    with_context: bool
    mentions_from: float  # mentions ending in [from, to) are this segment's
    mentions_to: float

    def silent(self) -> bool:
        return self.audio.rms() < SILENCE_RMS


@dataclass
class Heard:
    transcript: list[Word]
    mentions: list[Mention]


@dataclass
class Remembered:
    """What one segment's window kept, for the next segment's window."""

    mentions_from: float  # where its range of mention ends began (jitter margin included)
    mentions: list[Mention]  # kept
    after: list[Mention]  # heard ending past its range: the next segment's
    words: list[Word]  # the last words it stored


def _same(mention: Mention, others: list[Mention]) -> bool:
    """One of ``others`` is this mention as another window timed it: the same brand,
    starting close by or overlapping it (Whisper may stretch a word over a pause)."""
    return any(
        o.brand == mention.brand
        and (abs(o.start - mention.start) < MENTION_SAME_S
             or (o.start < mention.end and mention.start < o.end))
        for o in others
    )  # fmt: skip


class AudioTails:
    """The last seconds of recently analysed segments' audio, by (stream, seq)."""

    def __init__(self, seconds: float, size: int = 256):
        self._seconds = seconds
        self._size = size
        self._tails: OrderedDict[tuple[str, int], SegmentAudio] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, stream_id: str, seq: int, audio: SegmentAudio) -> None:
        with self._lock:
            self._tails[(stream_id, seq)] = audio.tail(self._seconds)
            self._tails.move_to_end((stream_id, seq))
            while len(self._tails) > self._size:
                self._tails.popitem(last=False)

    def get(self, stream_id: str, seq: int) -> SegmentAudio | None:
        with self._lock:
            return self._tails.get((stream_id, seq))


class SpeechWindows:
    def __init__(self, store: ObjectStore, context_s: float = 3.0, hold_s: float = 0.6):
        self._store = store
        self._context_s = context_s
        self._hold_s = hold_s
        self._tails = AudioTails(context_s)
        self._remembered: OrderedDict[tuple[str, int], Remembered] = OrderedDict()
        self._lock = threading.Lock()

    def window(self, stream_id: str, seq: int, ext: str, audio: SegmentAudio) -> Window:
        """The window to transcribe for segment ``seq`` whose own audio is ``audio``."""
        self._tails.put(stream_id, seq, audio)
        previous = self._previous(stream_id, seq, ext, audio) if seq > 0 else None
        joined = join(previous, audio) if previous is not None else audio
        with_context = joined.start < audio.start
        own_from = audio.start - self._hold_s if with_context else audio.start
        mentions_from = audio.start - MENTION_HOLD_S if with_context else audio.start
        return Window(
            joined,
            own_from,
            audio.end - self._hold_s,
            with_context,
            mentions_from,
            audio.end - MENTION_HOLD_S,
        )

    def _previous(self, stream_id: str, seq: int, ext: str, audio: SegmentAudio):
        tail = self._tails.get(stream_id, seq - 1)
        if tail is None:
            tail = self._read_previous(stream_id, seq - 1, ext, audio)
        if tail is None:
            return None
        # The previous segment's audio ends where this one's begins (AAC is continuous
        # across HLS segments); its own clock may differ by a frame, so place it there.
        gap = audio.start - tail.end
        if abs(gap) > 0.25:
            tail = SegmentAudio(tail.samples, audio.start - len(tail.samples) / 16_000)
        return tail

    def _read_previous(self, stream_id: str, seq: int, ext: str, audio: SegmentAudio):
        try:
            data = self._store.read(segment_object(stream_id, seq, ext))
        except ObjectNotFound:
            return None
        except Exception:  # the window goes without context rather than fail the segment
            log.warning("previous segment's audio not read", exc_info=True)
            return None
        previous = decode_audio(data, None, None)
        if previous is None:
            return None
        tail = previous.tail(self._context_s)
        return SegmentAudio(tail.samples, audio.start - len(tail.samples) / 16_000)

    def heard(
        self,
        window: Window,
        answer: TranscribeResponse,
        matcher: BrandMatcher,
        min_probability: float,
        segment: tuple[str, int] | None = None,
    ) -> Heard:
        """The window's words on the media clock: the ones this segment owns, and the
        brand mentions whose end it owns (``segment``: (stream, seq), to skip a mention
        the previous segment already kept)."""
        words = [
            Word(
                word=w.word,
                start=window.audio.start + w.start,
                end=window.audio.start + w.end,
                probability=w.probability,
            )
            for w in answer.words
        ]
        owned = [w for w in words if window.own_from <= w.start < window.own_to]
        low, high = window.mentions_from, window.mentions_to
        if window.with_context:
            low -= MENTION_JITTER_S
        # A window's first instant is cut mid-word when it has context: a doubtful name
        # there is Whisper's hotword echo (the previous window heard what was said).
        cut = window.audio.start + ECHO_EDGE_S if window.with_context else -1.0
        heard = [
            m for m in matcher.in_words(words, min_probability)
            if m.start >= cut or m.score >= DOUBTFUL_PROBABILITY
        ]  # fmt: skip
        mentions = [m for m in heard if low <= m.end < high]
        if segment is None:
            return Heard(owned, mentions)
        stream_id, seq = segment
        with self._lock:
            before = self._remembered.get((stream_id, seq - 1))
            if before is not None:
                # A word the previous window timed just inside this range and this one just
                # before it belongs to neither: take it unless the previous one stored it.
                early = window.own_from - MENTION_JITTER_S
                owned = [w for w in words if early <= w.start < window.own_from] + owned
                owned = _not_stored_before(before.words, owned)
                missed_before = [
                    m for m in heard
                    if before.mentions_from <= m.end < low and not _same(m, before.mentions)
                ]  # fmt: skip
                missed_here = [m for m in before.after if not _same(m, heard)]
                mentions = [m for m in mentions if not _same(m, before.mentions)]
                mentions = sorted(missed_before + mentions + missed_here, key=lambda m: m.start)
            # Whisper echoes its hotwords at a window's very end, where the next window does
            # not hear them either: only a sure mention passes on from there.
            edge = window.audio.end - ECHO_EDGE_S
            after = [
                m for m in heard
                if m.end >= high and (m.score >= DOUBTFUL_PROBABILITY or m.end < edge)
            ]  # fmt: skip
            self._remembered[(stream_id, seq)] = Remembered(low, mentions, after, owned[-8:])
            while len(self._remembered) > 256:
                self._remembered.popitem(last=False)
        return Heard(owned, mentions)


def _not_stored_before(before: list[Word], owned: list[Word]) -> list[Word]:
    """``owned`` without the words the previous segment stored at its end (the same word,
    timed a little differently by its window)."""
    return [
        w
        for w in owned
        if not any(
            normal_words(b.word) == normal_words(w.word) and abs(b.start - w.start) < WORD_SAME_S
            for b in before
        )
    ]
