"""Speech windows across segments: real HLS segments cut by ffmpeg, their audio decoded on
the media clock, windows with the previous segment's tail, and words owned exactly once."""

import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from functions.audio import RATE, SegmentAudio, decode_audio, join, to_wav
from functions.brand_text import BrandMatcher
from functions.speech import SpeechWindows
from mediacore.schema import TranscribeResponse, Word


class FolderStore:
    """Reads segments from a folder by their bucket names (the windows only read)."""

    bucket = "test"

    def __init__(self, root: Path, stream_id: str):
        self.root, self.stream_id, self.reads = root, stream_id, 0

    def read(self, name, generation=None):
        from mediacore.storage import ObjectNotFound

        self.reads += 1
        seq = int(name.rsplit("/", 1)[1].split(".")[0])
        path = self.root / f"seg{seq:03d}.ts"
        if not path.exists():
            raise ObjectNotFound(name)
        return path.read_bytes()


@pytest.fixture(scope="module")
def segments(tmp_path_factory):
    """10 s of 1 kHz tone with a 1 s silent gap, cut into 2 s HLS segments."""
    folder = tmp_path_factory.mktemp("hls")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", "10",
         "-c:v", "libx264", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
         "-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_segment_filename",
         str(folder / "seg%03d.ts"), str(folder / "index.m3u8")],
        check=True,
    )  # fmt: skip
    return folder


def test_segment_audio_is_16k_mono_on_the_media_clock(segments):
    audio = decode_audio(
        (segments / "seg001.ts").read_bytes(), media_start=2.0, video_first_pts=None
    )
    assert audio is not None
    assert audio.samples.dtype == np.float32
    assert len(audio.samples) / RATE == pytest.approx(2.0, abs=0.1)
    assert audio.rms() > 0.05  # the tone (ffmpeg's sine: amplitude 1/8)
    assert audio.start == pytest.approx(2.0, abs=0.1)


def test_a_segment_without_audio_has_none(tmp_path):
    path = tmp_path / "video.ts"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10",
         "-t", "1", "-c:v", "libx264", "-f", "mpegts", str(path)],
        check=True,
    )  # fmt: skip
    assert decode_audio(path.read_bytes(), 0.0, 0.0) is None
    assert decode_audio(b"not a video", 0.0, 0.0) is None


def test_windows_tile_the_timeline_and_own_each_word_once(segments):
    store = FolderStore(segments, "s")
    windows = SpeechWindows(store, context_s=3.0, hold_s=0.6)
    owned = []
    for seq in range(5):
        data = (segments / f"seg{seq:03d}.ts").read_bytes()
        audio = decode_audio(data, media_start=2.0 * seq, video_first_pts=None)
        window = windows.window("s", seq, "ts", audio)
        owned.append((window.own_from, window.own_to))
        if seq:
            assert window.with_context
            assert window.audio.start == pytest.approx(audio.start - 2.0, abs=0.1)
            assert owned[-1][0] == pytest.approx(owned[-2][1], abs=0.05)  # tiles
    assert owned[0][0] == pytest.approx(0.0, abs=0.1)
    assert store.reads == 0  # the previous tails came from the cache


def test_without_the_cache_the_previous_segment_is_read_from_the_bucket(segments):
    store = FolderStore(segments, "s")
    windows = SpeechWindows(store, context_s=3.0, hold_s=0.6)
    audio = decode_audio((segments / "seg003.ts").read_bytes(), 6.0, None)
    window = windows.window("s", 3, "ts", audio)
    assert store.reads == 1 and window.with_context
    assert window.audio.end == pytest.approx(audio.end, abs=1e-6)
    tail = len(window.audio.samples) - len(audio.samples)
    assert tail / RATE == pytest.approx(2.0, abs=0.1)  # all of a 2 s segment (context 3 s)


def test_a_missing_previous_segment_owns_from_its_own_start(tmp_path, segments):
    store = FolderStore(tmp_path, "s")  # empty: nothing before
    windows = SpeechWindows(store, context_s=3.0, hold_s=0.6)
    audio = decode_audio((segments / "seg002.ts").read_bytes(), 4.0, None)
    window = windows.window("s", 2, "ts", audio)
    assert not window.with_context and window.own_from == audio.start


def test_words_and_mentions_are_kept_by_the_segment_owning_their_start():
    """Random words over 20 s; five overlapping windows; every word stored exactly once,
    and a brand split across a boundary is one mention, kept by the earlier segment."""
    rng = random.Random(7)
    t, words = 0.0, []
    while t < 9.5:
        length = rng.uniform(0.15, 0.6)
        words.append(Word(word=f" w{len(words)}", start=t, end=t + length, probability=0.9))
        t += length + rng.uniform(0.0, 0.3)
    split = next(i for i, w in enumerate(words) if w.start < 3.4 <= words[i + 1].start)
    words[split] = words[split].model_copy(update={"word": " Coca"})
    words[split + 1] = words[split + 1].model_copy(update={"word": "-Cola"})
    windows = SpeechWindows(store=None, context_s=3.0, hold_s=0.6)
    matcher = BrandMatcher({"coca-cola": ["Coca-Cola"]})
    stored, mentions = [], []
    for seq in range(5):
        start = 2.0 * seq
        audio = SegmentAudio(np.zeros(2 * RATE, np.float32), start)
        window_start = max(0.0, start - 3.0)
        from functions.speech import Window

        window = Window(
            SegmentAudio(
                np.zeros(int((start + 2 - window_start) * RATE), np.float32), window_start
            ),
            start - 0.6 if seq else start,
            audio.end - 0.6,
            bool(seq),
            start - 0.6 if seq else start,  # mentions owned as words: the start's owner
            audio.end - 0.6,
        )
        heard_words = [
            w.model_copy(update={"start": w.start - window_start, "end": w.end - window_start})
            for w in words
            if window_start <= w.start and w.end <= start + 2.0
        ]
        answer = TranscribeResponse(
            words=heard_words, duration=2.0, speech_s=2.0, model="test", device="cpu"
        )
        heard = windows.heard(window, answer, matcher, 0.0)
        stored += [w.word for w in heard.transcript]
        mentions += [(seq, m.brand, round(m.start, 3)) for m in heard.mentions]
    inside = [w.word for w in words if w.start < 9.4]  # the last 0.6 s waits for segment 5
    assert sorted(stored) == sorted(inside) and len(stored) == len(set(stored))
    seq_of_end = int((words[split + 1].end + 0.6) // 2.0)
    assert mentions == [(seq_of_end, "coca-cola", round(words[split].start, 3))]


def test_join_fills_small_gaps_and_drops_far_ones():
    a = SegmentAudio(np.ones(RATE, np.float32), 0.0)
    b = SegmentAudio(np.ones(RATE, np.float32), 1.5)
    joined = join(a, b)
    assert joined.start == 0.0 and len(joined.samples) == int(2.5 * RATE)
    assert join(a, SegmentAudio(b.samples, 5.0)).start == 5.0


def test_wav_is_16_bit_mono_16k():
    import io
    import wave

    audio = SegmentAudio(np.sin(np.linspace(0, 100, RATE)).astype(np.float32), 0.0)
    with wave.open(io.BytesIO(to_wav(audio))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        assert wav.getnframes() == RATE


def test_a_mention_the_previous_segment_kept_is_not_counted_again():
    """Two windows timing one boundary word differently: both would own it."""
    from functions.speech import Window

    windows = SpeechWindows(store=None, context_s=3.0, hold_s=0.6)
    matcher = BrandMatcher({"visa": ["Visa"]})

    def heard(seq, own_from, own_to, at):
        window = Window(
            SegmentAudio(np.zeros(RATE, np.float32), 0.0), own_from, own_to, True, own_from, own_to
        )
        word = Word(word=" Visa", start=at, end=at + 0.3, probability=0.9)
        answer = TranscribeResponse(words=[word], duration=5, speech_s=1, model="t", device="c")
        return windows.heard(window, answer, matcher, 0.0, ("s", seq)).mentions

    assert len(heard(1, 1.4, 3.4, 3.05)) == 1  # ends 3.35: segment 1's
    assert heard(2, 3.4, 5.4, 3.15) == []  # the same word, timed 0.1 s later
    assert len(heard(3, 5.4, 7.4, 6.0)) == 1  # a new mention
    assert len(heard(5, 9.4, 11.4, 9.5)) == 1  # segment 4 unknown: kept


def _stored(windows, seq, own_from, own_to, timed) -> list[str]:
    """The words segment ``seq`` stores when its window (owning word starts in
    [own_from, own_to)) hears ``timed`` (word, start), each 0.3 s long."""
    from functions.speech import Window

    window = Window(
        SegmentAudio(np.zeros(RATE, np.float32), 0.0), own_from, own_to, True, own_from, own_to
    )
    words = [Word(word=w, start=t, end=t + 0.3, probability=0.9) for w, t in timed]
    answer = TranscribeResponse(words=words, duration=5, speech_s=1, model="t", device="c")
    heard = windows.heard(window, answer, BrandMatcher({}), 0.0, ("s", seq))
    return [w.word for w in heard.transcript]


def test_a_boundary_word_both_windows_own_is_stored_once():
    windows = SpeechWindows(store=None, context_s=3.0, hold_s=0.6)

    def stored(seq, own_from, own_to, timed):
        return _stored(windows, seq, own_from, own_to, timed)

    assert stored(6, 11.2, 13.2, [(" check", 12.5), (" out", 12.8), (" Asana", 13.19)]) == [
        " check", " out", " Asana"
    ]  # fmt: skip
    # Segment 7's window times Asana 0.05 s later, inside its own range: not stored again.
    assert stored(7, 13.2, 15.2, [(" Asana", 13.24), (" after", 13.8), (" out", 14.9)]) == [
        " after", " out"
    ]  # fmt: skip


def test_a_mention_straddling_the_mention_boundary_is_kept_once_never_lost():
    """Two windows time one mention's end 0.01 s either side of the boundary (the signals
    bench lost 'Semantic Web' so): the first window keeps it or the second does, once."""
    from functions.speech import MENTION_HOLD_S, Window

    windows = SpeechWindows(store=None, context_s=3.0, hold_s=0.6)
    matcher = BrandMatcher({"semantic-web": ["Semantic Web"]})

    def kept(seq: int, segment_start: float, end: float) -> list[str]:
        """What segment ``seq`` (2 s from ``segment_start``) keeps of a mention ending at
        ``end`` as its window times it."""
        window = Window(
            SegmentAudio(np.zeros(5 * RATE, np.float32), segment_start - 3.0),
            segment_start - 0.6,
            segment_start + 2.0 - 0.6,
            True,
            segment_start - MENTION_HOLD_S,
            segment_start + 2.0 - MENTION_HOLD_S,
        )
        at = window.audio.start
        words = [
            Word(word=" Semantic", start=end - 0.8 - at, end=end - 0.4 - at, probability=0.9),
            Word(word=" Web", start=end - 0.4 - at, end=end - at, probability=0.9),
        ]
        answer = TranscribeResponse(words=words, duration=5, speech_s=2, model="t", device="c")
        return [m.brand for m in windows.heard(window, answer, matcher, 0.0, ("s", seq)).mentions]

    # The mention boundary of segments 8 (16-18 s) and 9 (18-20 s) is 17.8 s.
    assert kept(8, 16.0, 17.81) == []  # after it, as segment 8's window times it
    assert kept(9, 18.0, 17.79) == ["semantic-web"]  # before it for 9: still taken
    # The other way round: kept by the first, not counted again by the second.
    assert kept(20, 40.0, 41.79) == ["semantic-web"]
    assert kept(21, 42.0, 41.81) == []
    # Complete 0.2 s before the cut: reported by its own segment, not the next one.
    assert kept(30, 60.0, 61.75) == ["semantic-web"]


def _boundary_window(seq: int, segment_start: float):
    """Segment ``seq``'s window as analyze builds it: 3 s of context, then 2 s its own."""
    from functions.speech import MENTION_HOLD_S, Window

    return Window(
        SegmentAudio(np.zeros(5 * RATE, np.float32), segment_start - 3.0),
        segment_start - 0.6,
        segment_start + 2.0 - 0.6,
        True,
        segment_start - MENTION_HOLD_S,
        segment_start + 2.0 - MENTION_HOLD_S,
    )


def _mentions(
    windows, seq: int, segment_start: float, said: list[tuple], long: float = 0.5, sure=0.9
):
    """What segment ``seq`` keeps when its window hears ``said`` (word, start on the media
    clock, ``long`` seconds each)."""
    matcher = BrandMatcher({"todoist": ["Todoist"], "spreaker": ["Spreaker"]})
    window = _boundary_window(seq, segment_start)
    at = window.audio.start
    words = [Word(word=f" {w}", start=t - at, end=t + long - at, probability=sure) for w, t in said]
    answer = TranscribeResponse(words=words, duration=5, speech_s=2, model="t", device="c")
    heard = windows.heard(window, answer, matcher, 0.1, ("s", seq))
    return [(m.brand, round(m.start, 2)) for m in heard.mentions]


def test_a_mention_the_owning_window_missed_is_taken_from_the_next_window():
    """Segment 8 (16-18 s) owns a mention ending at 17.0 s, but its window did not hear
    it (Whisper hears worse near a window's end); segment 9's window heard it in its
    context: 9 reports it, once."""
    windows = SpeechWindows(store=None)
    assert _mentions(windows, 8, 16.0, [("folks", 16.0), ("Tardust", 16.5)]) == []
    assert _mentions(windows, 9, 18.0, [("Todoist", 16.5), ("few", 17.0)]) == [("todoist", 16.5)]
    # Heard by both: counted by its owner only.
    assert _mentions(windows, 10, 20.0, [("Todoist", 20.5)]) == [("todoist", 20.5)]
    assert _mentions(windows, 11, 22.0, [("Todoist", 20.52)]) == []


def test_a_mention_the_previous_window_heard_after_its_range_is_kept_if_this_one_missed_it():
    """Segment 4 (8-10 s) hears a mention ending at 10.0 s: past its range (9.8 s), so
    segment 5's; 5's window does not hear it: 5 reports what 4 heard. Heard by both: once."""
    windows = SpeechWindows(store=None)
    assert _mentions(windows, 4, 8.0, [("Spreaker", 9.5)]) == []
    assert _mentions(windows, 5, 10.0, [("Freak", 9.5), ("after", 10.0)]) == [("spreaker", 9.5)]
    assert _mentions(windows, 6, 12.0, [("Spreaker", 13.5)]) == []
    assert _mentions(windows, 7, 14.0, [("Spreaker", 13.52)]) == [("spreaker", 13.52)]
    # Ending before segment 7's range (13.5 s), in 8's context: 6's to miss, not 7's.
    assert _mentions(windows, 8, 16.0, [("Todoist", 13.05)], long=0.4) == []
    assert _mentions(windows, 9, 18.0, [("Todoist", 15.1)], long=0.4) == [("todoist", 15.1)]


def test_a_doubtful_name_at_a_windows_very_end_is_not_passed_on():
    """Whisper echoes a hotword in the last instant of a window (signals bench: DiceBear
    heard at 17.56-17.94 s of a window ending 17.95 s, said by nobody); the next window
    does not hear it, and it is not reported for it. A sure one is."""
    windows = SpeechWindows(store=None)
    # Segment 8's window ends at 18.0 s; its range of mention ends at 17.8 s.
    assert _mentions(windows, 8, 16.0, [("Todoist", 17.6)], long=0.38, sure=0.1) == []
    assert _mentions(windows, 9, 18.0, [("few", 19.0)], sure=0.1) == []
    assert _mentions(windows, 10, 20.0, [("Todoist", 21.6)], long=0.38, sure=0.9) == []
    assert _mentions(windows, 11, 22.0, [("few", 23.0)]) == [("todoist", 21.6)]


def test_one_mention_stretched_differently_by_two_windows_is_kept_once():
    """Window 12 heard 'Zara' at 24.97-25.55 s (past its range), window 13 at 24.29-25.55 s
    (Whisper stretched it over the pause before): starts 0.7 s apart, one mention, the first."""
    windows = SpeechWindows(store=None)
    matcher = BrandMatcher({"zara": ["Zara"]})
    for seq, start, (a, b) in ((12, 24.0, (24.97, 25.55)), (13, 26.0, (24.29, 25.55))):
        window = _boundary_window(seq, start)
        at = window.audio.start
        word = Word(word=" Zara", start=a - at, end=b - at, probability=0.5)
        answer = TranscribeResponse(words=[word], duration=5, speech_s=2, model="t", device="c")
        kept = windows.heard(window, answer, matcher, 0.01, ("s", seq)).mentions
        assert len(kept) == (seq == 12)


def test_a_doubtful_name_in_a_windows_cut_first_instant_is_an_echo():
    """Window 11 starts at 19.0 s mid-word ("a few questions"): Whisper wrote "Peugeot"
    there (0.33), said by nobody; segment 10 had heard nothing there. A sure name there
    is one segment 10 missed."""
    for sure, kept in ((0.3, []), (0.9, [("todoist", 19.0)])):
        windows = SpeechWindows(store=None)
        assert _mentions(windows, 10, 20.0, [("few", 20.5)]) == []
        # Segment 11 (22-24 s) has context from 19.0 s; segment 10's range starts at 19.5 s.
        assert _mentions(windows, 11, 22.0, [("Todoist", 19.0)], sure=sure) == kept


def test_a_word_each_window_times_on_the_others_side_of_the_boundary_is_stored_once():
    """The demo's "Follow" said at 6.0 s: segment 2's window timed it 5.42 s (past its
    range, which ends at 5.4 s), segment 3's 5.3 s (before its own): stored by 3, once."""
    windows = SpeechWindows(store=None)

    def stored(seq, own_from, own_to, timed):
        return _stored(windows, seq, own_from, own_to, timed)

    assert stored(2, 3.4, 5.4, [(" us", 5.0), (" Follow", 5.42)]) == [" us"]
    assert stored(3, 5.4, 7.4, [(" us", 4.95), (" Follow", 5.3), (" up", 5.7)]) == [
        " Follow", " up"
    ]  # fmt: skip
