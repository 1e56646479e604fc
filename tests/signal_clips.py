"""Offline test clips with brands on screen and in speech, and the truth about them.

    python -m tests.signal_clips OUT --seed 7 [--seconds 24] [--size 1280x720]

Everything is drawn at random from a seed, from large sets, and made offline:

- Brands: every simple-icons title (npm ``simple-icons`` under tests/logos) that a
  voice can say as written (:func:`brand_pool`; what it leaves out, and why, is in
  :func:`excluded_brands`). A clip's *library* (what the matcher is told to look for)
  holds the brands it shows or says plus brands that never appear in it.
- Speech: sentences from templates with one brand each ("this segment is brought to
  you by {brand}"), filler sentences without brands between them, drawn from a word
  list, voiced by espeak-ng (several accents and variants, 140-190 words/min) and
  flite (every installed full-domain voice). Each brand mention's truth time comes
  from the synthesiser itself: espeak-ng's word events (libespeak-ng through ctypes:
  the CLI cannot report them) and flite's phone end times (``-psdur``). Noise is
  mixed in at a stated SNR: "music" (chords of saw tones over a bass line, kick and
  hi-hat, synthesised here) or "crowd" (babble of six TTS voices reading filler).
- On-screen text: brand names rendered with Pillow in the installed DejaVu,
  Liberation and Noto fonts, 24-120 px high on a 1080p frame, rotated 0-15 degrees,
  light on dark or dark on light against the local background, sometimes on a
  banner, over real photos (scikit-image and ultralytics ship them). Non-brand text
  (filler words, brands outside the library) is shown too, to count false hits.
- Assembly: ffmpeg encodes the frames (a rawvideo pipe) with libx264 at 30 fps,
  a keyframe every 2 s (OBS set to 2 s keyframes) at an OBS-like bitrate, and AAC
  at 48 kHz. Variants: speech + text, text without an audio track, speech only,
  a silent audio track.

Output folder: ``clip.mp4`` and ``truth.json`` (see :func:`make_clip`). Times are
seconds of clip media time. :func:`publish` sends the clip to a local stack over
RTMP as OBS would (local/publisher.py: ``ffmpeg -re -c copy`` to the ingest).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import pickle
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from functions.brand_text import normal_words

ROOT = Path(__file__).resolve().parent.parent
SIMPLE_ICONS = ROOT / "tests" / "logos" / "node_modules" / "simple-icons" / "data"
SAMPLE_RATE = 16000  # the mix's rate: Whisper's; ffmpeg resamples to 48 kHz for AAC
AAC_RATE = 48000
FPS = 30
KEYFRAME_S = 2
VIDEO_BITRATE = {1080: "4500k", 720: "2500k"}  # OBS's recommended range for 30 fps

# ---------------------------------------------------------------------------- brands

TEMPLATES = (
    "today we are talking about {brand}",
    "this segment is brought to you by {brand}",
    "{brand} just announced something new",
    "I have been using {brand} for years and I love it",
    "let us take a quick look at what {brand} is doing",
    "our partner {brand} makes this show possible",
    "have you tried {brand} yet",
    "a big thank you to {brand} for supporting us",
    "the people at {brand} sent us a package",
    "{brand} is sponsoring the next round",
    "check out {brand} after the break",
    "we asked the folks from {brand} a few questions",
)
TEMPLATE_WORDS = frozenset(
    w for t in TEMPLATES for w in re.findall(r"[a-z]+", t.lower()) if w != "brand"
)

# The filler vocabulary: sentences without brands ("the quiet garden opened near the
# river"). Words that are simple-icons titles (or words of them) are removed at import,
# so filler can never name a brand.
_DET = ("the", "a", "every", "one", "that", "this", "our", "your", "their", "some")
_ADJ = """quiet green heavy bright small large early late warm cold soft loud narrow wide
old young happy simple careful busy empty full gentle rough smooth dark clear strange
famous local modern ancient rapid slow sudden tiny huge honest calm brave clever lucky
tall short sweet bitter fresh tired proud rare common distant nearby golden silver wooden
hidden broken shiny dusty lonely friendly""".split()
_NOUN = """garden river window table teacher doctor morning evening kitchen village
mountain bridge station market letter question answer engine weather forest island
harbour museum painting journey window pocket blanket ladder candle basket bottle
pencil carpet ceiling chimney cottage cousin dinner doorway farmer feather finger
flower hammer helmet hunter jacket kettle lemon meadow mirror needle orange palace
parrot pillow planet pepper rabbit saddle sailor shadow shelter singer soldier spider
sponge summer tailor thunder ticket tomato tunnel valley velvet violin wagon walnut
winter wizard yellow student neighbour kitten bakery library corner festival picnic
holiday carriage orchard""".split()
_VERB = """opened closed visited carried painted followed watched noticed remembered
borrowed repaired cleaned wanted crossed finished started moved lifted dropped pushed
pulled covered filled counted measured ordered planted reached turned answered
described explained imagined discovered enjoyed""".split()
_PREP = ("near", "behind", "under", "beside", "across", "inside", "around", "beyond")
_ADV = """quickly slowly quietly carefully suddenly finally gently happily rarely
often proudly loudly calmly""".split()
_FILLER_PATTERNS = (
    "{det} {adj} {noun} {verb} {det2} {noun2} {prep} the {noun3}",
    "we {verb} {det} {adj} {noun} {adv}",
    "{det} {noun} was {adj} and the {noun2} was {adj2}",
    "yesterday my {noun} {verb} the {adj} {noun2}",
    "nobody {verb} the {noun} {prep} the {adj} {noun2}",
    "{det} {adj} {noun} {adv} {verb} {det2} {noun2}",
)


@dataclass(frozen=True)
class Brand:
    slug: str  # the brand id in the library
    title: str  # its name as written and said


def _simple_icons() -> list[dict]:
    return json.loads((SIMPLE_ICONS / "simple-icons.json").read_text())


def _exclusion(title: str) -> str | None:
    """Why a voice cannot be trusted to say ``title`` as written (None: it can)."""
    if not re.fullmatch(r"[A-Za-z]+( [A-Za-z]+)*", title):
        return "characters other than Latin letters and single spaces (digits, punctuation, other scripts)"  # noqa: E501
    if not 3 <= len(title) <= 20:
        return "shorter than 3 or longer than 20 characters"
    words = title.split()
    if len(words) > 3:
        return "more than 3 words"
    if any(re.search(r"[A-Z]{2}", w) for w in words):
        return "a run of capitals: read letter by letter (acronym)"
    if any(re.search(r"[a-z][A-Z](?![a-z])", w) for w in words):
        return "a lone capital letter inside a word (AntV): read as a letter"
    for word in words:
        low = word.lower()
        if not re.search(r"[aeiouy]", low) or re.search(r"[^aeiouy]{5}", low):
            return "a word without a vowel or with 5 consonants in a row (not sayable as written)"
    # Camel case parted as the matcher parts it: "QuickLook" is "quick look", template words.
    if any(w in TEMPLATE_WORDS for w in normal_words(title)):
        return "a word the speech templates use (its mention would be ambiguous)"
    return None


@cache
def _pool_and_excluded() -> tuple[tuple[Brand, ...], dict[str, tuple[str, ...]]]:
    kept, excluded, seen = [], {}, set()
    for icon in _simple_icons():
        title = icon["title"]
        reason = _exclusion(title)
        if reason is None and title.lower() in seen:
            reason = "same name as another brand (case-insensitive)"
        if reason:
            excluded.setdefault(reason, []).append(title)
            continue
        seen.add(title.lower())
        kept.append(Brand(icon["slug"], title))
    return tuple(kept), {k: tuple(v) for k, v in excluded.items()}


def brand_pool() -> tuple[Brand, ...]:
    """Every simple-icons brand a voice can say and a font can write as named."""
    return _pool_and_excluded()[0]


def excluded_brands() -> dict[str, tuple[str, ...]]:
    """simple-icons titles left out of :func:`brand_pool`, by reason."""
    return _pool_and_excluded()[1]


@cache
def _brand_words() -> frozenset[str]:
    return frozenset(
        w for icon in _simple_icons() for w in re.findall(r"[a-z]+", icon["title"].lower())
    )


@cache
def filler_vocabulary() -> dict[str, tuple[str, ...]]:
    """The filler word lists without any word of any simple-icons title."""
    taken = _brand_words()
    keep = lambda words: tuple(w for w in words if w not in taken)  # noqa: E731
    return {"adj": keep(_ADJ), "noun": keep(_NOUN), "verb": keep(_VERB), "adv": keep(_ADV),
            "det": keep(_DET), "prep": keep(_PREP)}  # fmt: skip


def filler_sentence(rng: random.Random) -> str:
    v = filler_vocabulary()
    pick = {
        "det": rng.choice(v["det"]),
        "det2": rng.choice(v["det"]),
        "adj": rng.choice(v["adj"]),
        "adj2": rng.choice(v["adj"]),
        "noun": rng.choice(v["noun"]),
        "noun2": rng.choice(v["noun"]),
        "noun3": rng.choice(v["noun"]),
        "verb": rng.choice(v["verb"]),
        "prep": rng.choice(v["prep"]),
        "adv": rng.choice(v["adv"]),
    }
    return rng.choice(_FILLER_PATTERNS).format(**pick)


def distractor_words(rng: random.Random) -> str:
    """Non-brand text for the screen: one to three filler words."""
    v = filler_vocabulary()
    words = rng.choice(
        (
            [rng.choice(v["noun"])],
            [rng.choice(v["adj"]), rng.choice(v["noun"])],
            [rng.choice(v["noun"]), rng.choice(v["prep"]), rng.choice(v["noun"])],
        )  # fmt: skip
    )
    text = " ".join(words)
    return text.upper() if rng.random() < 0.3 else text.title()


def draw_brands(rng: random.Random, count: int, avoid=()) -> list[Brand]:
    """``count`` brands from the pool, no two sharing a word (so every mention names one
    brand only), none sharing a word with ``avoid``."""
    used = {w.lower() for b in avoid for w in b.title.split()}
    pool = list(brand_pool())
    rng.shuffle(pool)
    chosen = []
    for brand in pool:
        words = {w.lower() for w in brand.title.split()}
        if words & used:
            continue
        chosen.append(brand)
        used |= words
        if len(chosen) == count:
            return chosen
    raise ValueError(f"only {len(chosen)} brands without shared words")


# ---------------------------------------------------------------------------- speech


@dataclass(frozen=True)
class Voice:
    engine: str  # espeak-ng | flite
    name: str  # espeak-ng voice (with +variant) or flite voice
    rate: int  # espeak-ng words per minute; flite: 100 x duration_stretch

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.name}@{self.rate}"


# espeak-ng voice files (+ a variant: f = female, m = male); "en" is British English.
ESPEAK_VOICES = ("en-us", "en", "en-us+f3", "en-gb-scotland", "en-029", "en-gb-x-rp",
                 "en-us+m3", "en+f2", "en-us-nyc", "en-gb-x-gbclan+f4")  # fmt: skip
# Full-domain flite voices (awb_time speaks only times of day; kal is kal16 at 8 kHz).
FLITE_VOICES = ("slt", "kal16", "awb", "rms")


@cache
def flite_voices() -> tuple[str, ...]:
    if not shutil.which("flite"):
        return ()
    listed = subprocess.run(["flite", "-lv"], capture_output=True, text=True).stdout
    have = set(listed.replace("Voices available:", "").split())
    return tuple(v for v in FLITE_VOICES if v in have)


def draw_voice(rng: random.Random) -> Voice:
    flites = flite_voices()
    if flites and rng.random() < 0.4:
        return Voice("flite", rng.choice(flites), rng.choice((90, 95, 100, 105, 110)))
    return Voice("espeak-ng", rng.choice(ESPEAK_VOICES), rng.randrange(140, 191, 5))


@dataclass
class Utterance:
    audio: np.ndarray  # float32 mono at SAMPLE_RATE
    brand_span: tuple[float, float] | None  # seconds from the utterance's start


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return audio
    from scipy.signal import resample_poly

    g = math.gcd(rate, SAMPLE_RATE)
    return resample_poly(audio, SAMPLE_RATE // g, rate // g).astype(np.float32)


class _EspeakId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _EspeakEvent(ctypes.Structure):  # espeak_EVENT in speak_lib.h
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based character position of a word
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms from the start of the output
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EspeakId),
    ]


_ESPEAK_WORD, _ESPEAK_END = 1, 5
_espeak_lock = threading.Lock()
_espeak_state: dict = {}


def _espeak():
    """libespeak-ng in synchronous mode, loaded once; its callback collects audio and
    word events into ``_espeak_state``."""
    if "lib" in _espeak_state:
        return _espeak_state["lib"]
    lib = ctypes.CDLL("libespeak-ng.so.1")
    callback_type = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_EspeakEvent)
    )

    def collect(wav, count, events):
        if count > 0:
            _espeak_state["chunks"].append(np.ctypeslib.as_array(wav, (count,)).copy())
        i = 0
        while events[i].type != 0:
            e = events[i]
            _espeak_state["events"].append((e.type, e.text_position, e.audio_position))
            i += 1
        return 0

    _espeak_state["callback"] = callback_type(collect)  # kept alive: C holds the pointer
    _espeak_state["rate"] = lib.espeak_Initialize(2, 0, None, 0)  # AUDIO_OUTPUT_SYNCHRONOUS
    if _espeak_state["rate"] <= 0:
        raise RuntimeError("libespeak-ng did not initialise (apt-get install espeak-ng)")
    lib.espeak_SetSynthCallback(_espeak_state["callback"])
    lib.espeak_SetVoiceByName(b"en-us")  # loads the English dictionary once, for every child
    _espeak_state["lib"] = lib
    return lib


def _synth_espeak(text: str, voice: Voice) -> tuple[np.ndarray, int, list]:
    lib = _espeak()
    _espeak_state["chunks"], _espeak_state["events"] = [], []
    if lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
        raise RuntimeError(f"espeak-ng has no voice {voice.name}")
    lib.espeak_SetParameter(1, voice.rate, 0)  # espeakRATE
    data = text.encode()
    lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)  # POS_CHARACTER, UTF8
    lib.espeak_Synchronize()
    chunks = _espeak_state["chunks"]
    audio = np.concatenate(chunks) if chunks else np.zeros(1, np.int16)
    return audio, _espeak_state["rate"], _espeak_state["events"]


def _in_fresh_espeak(text: str, voice: Voice) -> tuple[np.ndarray, int, list]:
    """Synthesise in a forked child of a process that has never synthesised: libespeak-ng
    carries state from one utterance to the next (its pitch flutter runs on), so the
    same text comes out a few samples different depending on what was said before;
    a fresh copy each time makes a clip depend on its seed only."""
    with _espeak_lock:
        _espeak()  # loaded and initialised here, never used here
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: synthesise, send the result, leave without cleanup
            os.close(read)
            try:
                ctypes.CDLL(None).srand(1)  # espeak-ng draws noise with rand()
                payload = pickle.dumps(_synth_espeak(text, voice))
            except BaseException as error:  # handed to the parent, raised there
                payload = pickle.dumps(error)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(pid, 0)
    result = pickle.loads(payload)
    if isinstance(result, BaseException):
        raise result
    return result


def _speak_espeak(text: str, voice: Voice, brand: str | None) -> Utterance:
    pcm, rate, events = _in_fresh_espeak(text, voice)
    audio = pcm.astype(np.float32) / 32768
    span = None
    if brand is not None:
        first = text.index(brand) + 1  # espeak counts characters from 1
        last = first + len(brand) - 1
        words = [(pos, ms / 1000) for kind, pos, ms in events if kind == _ESPEAK_WORD]
        start = next(t for pos, t in words if pos >= first)
        after = [t for pos, t in words if pos > last]
        end = after[0] if after else _speech_end(audio, rate)
        span = (start, end)
    return Utterance(_resample(audio, rate), span)


def _flite_phones(text: str, voice: Voice, durations: bool, out: Path | None = None):
    args = ["flite", "-voice", voice.name, "--setf", f"duration_stretch={100 / voice.rate:.3f}"]
    args += ["-psdur" if durations else "-ps", "-t", text, str(out) if out else "none"]
    printed = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
    if not durations:
        return [p for p in printed if p != "pau"]
    return [(p.split(":")[0], float(p.split(":")[1])) for p in printed if ":" in p]


def _speak_flite(text: str, voice: Voice, brand: str | None) -> Utterance:
    with tempfile.TemporaryDirectory(prefix="ma-flite-") as tmp:
        path = Path(tmp) / "out.wav"
        phones = _flite_phones(text, voice, True, path)
        audio, rate = read_wav(path)
    span = None
    if brand is not None:
        # The brand's phones said alone are a run of the sentence's phones: their end
        # times give the brand's span exactly.
        target = _flite_phones(brand, voice, False)
        names = [p for p, _ in phones]
        ends = [t for _, t in phones]
        before = text[: text.index(brand)]
        expect = 1 + (len(_flite_phones(before, voice, False)) if before.strip() else 0)
        found = [i for i in range(len(names)) if names[i : i + len(target)] == target]
        if found:  # the run where the words before the brand end
            at = min(found, key=lambda i: abs(i - expect))
            span = (ends[at - 1] if at else 0.0, ends[at + len(target) - 1])
        else:
            raise LookupError(f"flite {voice.name}: phones of {brand!r} not found in {text!r}")
    return Utterance(_resample(audio, rate), span)


def speak(text: str, voice: Voice, brand: str | None = None) -> Utterance:
    """``text`` said by ``voice``; with ``brand`` (a substring), the span it is said in."""
    if voice.engine == "flite":
        return _speak_flite(text, voice, brand)
    return _speak_espeak(text, voice, brand)


def _speech_end(audio: np.ndarray, rate: int) -> float:
    loud = np.nonzero(np.abs(audio) > 0.01)[0]
    return float(loud[-1] + 1) / rate if len(loud) else 0.0


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
        channels = w.getnchannels()
    audio = np.frombuffer(frames, np.int16).astype(np.float32) / 32768
    return (audio.reshape(-1, channels).mean(axis=1) if channels > 1 else audio), rate


def write_wav(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


# ----------------------------------------------------------------------------- noise


def music(rng: random.Random, samples: int) -> np.ndarray:
    """Synthesised pop-like backing: a chord per bar (saw tones, 6 harmonics), a sine
    bass on the root, a kick on every beat and a hi-hat between them."""
    t = np.arange(samples, dtype=np.float64) / SAMPLE_RATE
    bpm = rng.uniform(96, 132)
    beat = 60 / bpm
    key = rng.uniform(196, 294)  # G3..D4
    progression = rng.choice(([0, 7, 9, 5], [0, 5, 7, 5], [0, 9, 5, 7], [0, 3, 10, 8]))
    out = np.zeros(samples)
    bar = 4 * beat
    for index in range(int(t[-1] / bar) + 1):
        a, b = int(index * bar * SAMPLE_RATE), min(samples, int((index + 1) * bar * SAMPLE_RATE))
        if a >= samples:
            break
        root = key * 2 ** (progression[index % 4] / 12)
        local = t[a:b] - t[a]
        for ratio in (
            1.0,
            2 ** (4 / 12) if progression[index % 4] in (0, 5, 7) else 2 ** (3 / 12),
            1.5,
        ):
            f = root * ratio
            saw = sum(np.sin(2 * np.pi * f * k * local) / k for k in range(1, 7))
            out[a:b] += 0.12 * saw * (1 - 0.3 * local / bar)
        out[a:b] += 0.35 * np.sin(2 * np.pi * root / 4 * local)
    noise = np.random.default_rng(rng.randrange(2**32)).standard_normal(samples)
    hat = np.diff(noise, prepend=0.0)  # a crude high-pass: hi-hat colour
    for n in range(int(t[-1] / beat) + 1):
        k = int(n * beat * SAMPLE_RATE)
        kick = t[: min(samples - k, int(0.18 * SAMPLE_RATE))]
        if len(kick):
            sweep = 2 * np.pi * (50 * kick + 400 * (1 - np.exp(-kick / 0.03)) * 0.03)
            out[k : k + len(kick)] += 0.9 * np.sin(sweep) * np.exp(-kick / 0.06)
        h = int((n + 0.5) * beat * SAMPLE_RATE)
        length = min(samples - h, int(0.05 * SAMPLE_RATE))
        if length > 0:
            out[h : h + length] += 0.15 * hat[h : h + length] * np.exp(-t[:length] / 0.015)
    return (out / max(1e-9, np.abs(out).max())).astype(np.float32)


def crowd(rng: random.Random, samples: int, talkers: int = 6) -> np.ndarray:
    """Babble: ``talkers`` voices reading filler sentences at once, each from a random
    offset, summed."""
    out = np.zeros(samples, np.float32)
    for _ in range(talkers):
        voice = draw_voice(rng)
        at = -rng.randrange(SAMPLE_RATE * 2)
        while at < samples:
            said = speak(filler_sentence(rng), voice).audio
            said = said / max(1e-6, np.abs(said).max())
            lo, hi = max(0, at), min(samples, at + len(said))
            if hi > lo:
                out[lo:hi] += said[lo - at : hi - at]
            at += len(said) + rng.randrange(SAMPLE_RATE // 10)
    return out / max(1e-9, np.abs(out).max())


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, active: np.ndarray, snr_db: float):
    """speech + noise scaled so that, over the ``active`` samples (where sentences are
    said), speech power / noise power is ``snr_db``; the sum peaks at -1 dBFS."""
    p_speech = float(np.mean(speech[active] ** 2))
    p_noise = float(np.mean(noise[active] ** 2)) or 1e-12
    scaled = noise * math.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))
    mixed = speech + scaled
    return (mixed * (10 ** (-1 / 20) / max(1e-9, np.abs(mixed).max()))).astype(np.float32)


# ---------------------------------------------------------------------------- pictures

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"))
FONT_FILES = ("dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSerif-Bold.ttf",
              "dejavu/DejaVuSansMono-Bold.ttf", "dejavu/DejaVuSans.ttf",
              "dejavu/DejaVuSansCondensed-Bold.ttf", "liberation2/LiberationSans-Regular.ttf",
              "liberation2/LiberationSans-Bold.ttf", "liberation2/LiberationSerif-Regular.ttf",
              "liberation2/LiberationSerif-Bold.ttf", "liberation/LiberationSansNarrow-Bold.ttf",
              "liberation2/LiberationMono-Bold.ttf", "noto/NotoSans-Regular.ttf",
              "noto/NotoSans-Bold.ttf", "noto/NotoSerif-Regular.ttf",
              "noto/NotoSerif-Bold.ttf", "noto/NotoSansMono-Bold.ttf")  # fmt: skip
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "retina", "hubble_deep_field",
          "immunohistochemistry", "stereo_motorcycle", "bus", "zidane", "camera", "brick",
          "grass", "gravel", "coins", "moon")  # fmt: skip


@cache
def fonts() -> tuple[Path, ...]:
    """The font files of FONT_FILES that are installed (fonts-dejavu-core,
    fonts-liberation2, fonts-liberation, fonts-noto-core)."""
    found = []
    for name in FONT_FILES:
        path = next((d / name for d in FONT_DIRS if (d / name).exists()), None)
        if path:
            found.append(path)
    if not found:
        raise RuntimeError("no fonts: apt-get install fonts-dejavu-core fonts-liberation2")
    return tuple(found)


@cache
def photo(name: str) -> np.ndarray:
    """An RGB uint8 photo that a package ships (read once per process)."""
    from tests.logo_scenes import photo as read_photo

    return read_photo(name)


def background(rng: random.Random, width: int, height: int) -> tuple[np.ndarray, str]:
    """A photo scaled to cover the frame (and a little more), cropped at random."""
    from PIL import Image

    name = rng.choice(PHOTOS)
    image = Image.fromarray(photo(name))
    scale = max(width / image.width, height / image.height) * rng.uniform(1.0, 1.3)
    size = (math.ceil(image.width * scale), math.ceil(image.height * scale))
    image = image.resize(size, Image.BILINEAR)
    x, y = rng.randrange(size[0] - width + 1), rng.randrange(size[1] - height + 1)
    return np.asarray(image.crop((x, y, x + width, y + height))).copy(), name


def _luminance(rgb) -> float:
    c = np.asarray(rgb, np.float64) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass
class TextPlacement:
    text: str
    box: tuple[float, float, float, float]  # normalised x, y, w, h of the ink
    font: str
    size_px: int  # "Hg" height of the font (cap + descender), in pixels of a 1080p frame
    angle: float
    colour: str
    background: str  # "photo" or "banner #rrggbb"


def _ink(text: str, font_path: Path, px: int):
    """The text's ink as an alpha mask; the font is sized so that "Hg" (cap height plus
    descender) is ``px`` high, whatever the string."""
    from PIL import Image, ImageDraw, ImageFont

    probe = ImageFont.truetype(str(font_path), 100)
    _, y0, _, y1 = probe.getbbox("Hg")
    font = ImageFont.truetype(str(font_path), max(6, round(100 * px / max(1, y1 - y0))))
    x0, y0, x1, y1 = font.getbbox(text)
    mask = Image.new("L", (x1 - x0 + 2, y1 - y0 + 2), 0)
    ImageDraw.Draw(mask).text((1 - x0, 1 - y0), text, font=font, fill=255)
    return mask


LIGHT, DARK = (235, 235, 235), (20, 20, 20)


def place_text(
    frame: np.ndarray, text: str, rng: random.Random, taken: list, height_1080: int | None = None
) -> TextPlacement | None:
    """Draw ``text`` on ``frame`` (in place) at a random place not overlapping ``taken``
    boxes; returns where and how, or None when it does not fit.

    Light text on dark ground or dark on light, whichever contrasts more with the
    photo under it; on a banner (a plate in a contrasting tone) 35 % of the time, and
    always where the photo's tone there gives less than 4.5:1 (WCAG's text contrast)."""
    from PIL import Image

    h, w = frame.shape[:2]
    scale = h / 1080
    size_1080 = height_1080 or round(math.exp(rng.uniform(math.log(24), math.log(120))))
    font_path = rng.choice(fonts())
    glyphs = _ink(text, font_path, max(8, round(size_1080 * scale)))
    angle = rng.uniform(0, 15) * rng.choice((-1, 1))
    pad = int(glyphs.height * 0.35)
    mask = Image.new("L", (glyphs.width + 2 * pad, glyphs.height + 2 * pad), 0)
    mask.paste(glyphs, (pad, pad))
    ink_layer = mask.rotate(angle, resample=Image.BICUBIC, expand=True)
    plate_layer = Image.new("L", mask.size, 255).rotate(angle, resample=Image.BICUBIC, expand=True)
    rw, rh = ink_layer.size
    if rw > w - 8 or rh > h - 8:
        return None
    for _ in range(20):
        x, y = rng.randrange(4, w - rw - 4), rng.randrange(4, h - rh - 4)
        box = (x / w, y / h, rw / w, rh / h)
        if not _overlap(box, taken):
            break
    else:
        return None
    region = frame[y : y + rh, x : x + rw].astype(np.float32)
    ink = np.asarray(ink_layer, np.float32)[..., None] / 255
    ground = region[ink[..., 0] > 0.01].mean(axis=0) if (ink > 0.01).any() else region.mean((0, 1))
    best = max(contrast(LIGHT, ground), contrast(DARK, ground))
    banner = rng.random() < 0.35 or best < 4.5
    if banner:
        level = rng.randrange(10, 60) if rng.random() < 0.5 else rng.randrange(215, 250)
        ground = np.clip(np.float32([level] * 3) + [rng.uniform(-10, 10) for _ in range(3)], 0, 255)
        plate = np.asarray(plate_layer, np.float32)[..., None] / 255
        region = plate * ground + (1 - plate) * region
    light = contrast(LIGHT, ground) >= contrast(DARK, ground)
    colour = tuple(rng.randrange(215, 256) if light else rng.randrange(0, 50) for _ in range(3))
    if not banner and rng.random() < 0.4:  # a drop shadow, as captions often have
        step = max(1, round(2 * scale))
        shadow = np.roll(ink, (step, step), axis=(0, 1)) * 0.6
        region = shadow * np.float32(DARK if light else LIGHT) + (1 - shadow) * region
    region = ink * np.float32(colour) + (1 - ink) * region
    frame[y : y + rh, x : x + rw] = np.clip(region, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(ink[..., 0] > 0.3)
    ink_box = ((x + xs.min()) / w, (y + ys.min()) / h, (xs.max() + 1 - xs.min()) / w,
               (ys.max() + 1 - ys.min()) / h)  # fmt: skip
    taken.append(box)
    return TextPlacement(
        text=text,
        box=tuple(round(v, 4) for v in ink_box),
        font=font_path.stem,
        size_px=size_1080,
        angle=round(angle, 1),
        colour=_hex(colour),
        background=f"banner {_hex(ground)}" if banner else "photo",
    )


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def _overlap(box, boxes, margin=0.01) -> bool:
    x, y, w, h = box
    return any(
        x < bx + bw + margin
        and bx < x + w + margin
        and y < by + bh + margin
        and by < y + h + margin
        for bx, by, bw, bh in boxes
    )


# ------------------------------------------------------------------------------ clips


@dataclass
class Clip:
    folder: Path
    truth: dict

    @property
    def video(self) -> Path:
        return self.folder / self.truth["file"]

    @classmethod
    def load(cls, folder: Path) -> Clip:
        return cls(Path(folder), json.loads((Path(folder) / "truth.json").read_text()))


def _speech_track(rng: random.Random, seconds: float, brands: list[Brand], noise: str | None,
                  snr_db: float | None):  # fmt: skip
    """The speech mix and its truth: brand sentences with filler between, 0.3-0.9 s apart."""
    samples = int(seconds * SAMPLE_RATE)
    speech = np.zeros(samples, np.float32)
    active = np.zeros(samples, bool)
    spoken, filler = [], []
    at = rng.uniform(0.5, 1.5)
    turn = 0
    while True:
        voice = draw_voice(rng)
        with_brand = turn % 2 == 0 or rng.random() < 0.3
        brand = rng.choice(brands) if with_brand and brands else None
        if brand:
            sentence = rng.choice(TEMPLATES).format(brand=brand.title)
            try:
                said = speak(sentence, voice, brand.title)
            except LookupError:  # flite said the brand differently in context
                voice = Voice("espeak-ng", rng.choice(ESPEAK_VOICES), rng.randrange(140, 191, 5))
                said = speak(sentence, voice, brand.title)
        else:
            sentence = filler_sentence(rng)
            said = speak(sentence, voice)
        # Trim the synthesiser's leading/trailing silence; keep span times consistent.
        loud = np.nonzero(np.abs(said.audio) > 0.005)[0]
        lead = int(loud[0]) if len(loud) else 0
        audio = said.audio[lead : (int(loud[-1]) + 1 if len(loud) else 1)]
        audio = audio * (0.5 / max(1e-6, np.abs(audio).max()))
        start = int(at * SAMPLE_RATE)
        if start + len(audio) > samples - int(0.5 * SAMPLE_RATE):
            break
        speech[start : start + len(audio)] = audio
        active[start : start + len(audio)] = True
        record = {
            "start": round(start / SAMPLE_RATE, 3),
            "end": round((start + len(audio)) / SAMPLE_RATE, 3),
            "voice": voice.label,
            "sentence": sentence,
        }
        if brand:
            b0, b1 = said.brand_span
            record |= {
                "brand": brand.slug,
                "name": brand.title,
                "start": round(at + max(0.0, b0 - lead / SAMPLE_RATE), 3),
                "end": round(at + max(0.0, b1 - lead / SAMPLE_RATE), 3),
                "sentence_start": round(start / SAMPLE_RATE, 3),
                "sentence_end": round((start + len(audio)) / SAMPLE_RATE, 3),
            }
            spoken.append(record)
        else:
            filler.append(record)
        at += len(audio) / SAMPLE_RATE + rng.uniform(0.3, 0.9)
        turn += 1
    if noise:
        bed = music(rng, samples) if noise == "music" else crowd(rng, samples)
        mixed = mix_at_snr(speech, bed, active, snr_db)
    else:
        mixed = (speech * 10 ** (-1 / 20) / max(1e-9, np.abs(speech).max())).astype(np.float32)
    for record in spoken + filler:
        record |= {"noise": noise, "snr_db": snr_db if noise else None}
    return mixed, spoken, filler, float(active.sum()) / SAMPLE_RATE


def _shots(rng: random.Random, seconds: float) -> list[tuple[float, float]]:
    """Shot boundaries on the frame grid, 4-7 s each (every shot spans >= 1 keyframe)."""
    cuts, at = [], 0.0
    while at < seconds - 0.01:
        length = rng.uniform(4.0, 7.0)
        end = seconds if seconds - (at + length) < 4.0 else at + length
        end = round(end * FPS) / FPS
        cuts.append((round(at, 4), round(end, 4)))
        at = end
    return cuts


def make_clip(
    out: Path,
    seed: int,
    seconds: float = 24.0,
    size: tuple[int, int] = (1920, 1080),
    audio: str = "speech",
    text: bool = True,
    noise: str | None = "draw",
    snr_db: float | None = None,
    library_extra: int = 20,
) -> Clip:
    """Make ``out``/clip.mp4 and ``out``/truth.json, all drawn from ``seed``.

    audio: "speech" (sentences + noise), "silence" (a silent AAC track), "none" (no
    audio track); text: brand and distractor text on screen; noise: "music", "crowd",
    None, or "draw" (by seed: music or crowd at 20 or 10 dB SNR).

    truth.json: seed, duration, width, height, fps, keyframe_s, audio; library
    [{brand, names}]; spoken [{brand, name, start, end, voice, noise, snr_db,
    sentence, sentence_start, sentence_end}]; filler_speech [{start, end, voice,
    sentence, ...}]; speech_s (seconds voiced); shown [{brand, text, start, end, box,
    font, size_px, angle, colour, background, photo}]; distractor_text [same, without
    brand; kind "words" or "brand outside the library"]; shots [{start, end, photo}].
    """
    started = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    width, height = size
    spoken_brands = draw_brands(rng, 6)
    shown_brands = draw_brands(rng, 6, avoid=spoken_brands)
    outsiders = draw_brands(rng, 6 + library_extra, avoid=spoken_brands + shown_brands)
    library = spoken_brands + shown_brands + outsiders[:library_extra]
    unknown = outsiders[library_extra:]  # shown on screen, never in the library
    if noise == "draw":
        noise, snr_db = rng.choice(("music", "crowd")), rng.choice((20.0, 10.0))
    truth: dict = {
        "seed": seed,
        "file": "clip.mp4",
        "duration": seconds,
        "width": width,
        "height": height,
        "fps": FPS,
        "keyframe_s": KEYFRAME_S,
        "audio": audio,
        "noise": noise if audio == "speech" else None,
        "snr_db": snr_db if audio == "speech" and noise else None,
        "library": [{"brand": b.slug, "names": [b.title]} for b in library],
        "spoken": [],
        "filler_speech": [],
        "speech_s": 0.0,
        "shown": [],
        "distractor_text": [],
        "shots": [],
    }
    wav = out / "audio.wav"
    if audio == "speech":
        mixed, spoken, filler, voiced = _speech_track(rng, seconds, spoken_brands, noise, snr_db)
        truth |= {"spoken": spoken, "filler_speech": filler, "speech_s": round(voiced, 2)}
        write_wav(wav, mixed)
    elif audio == "silence":
        write_wav(wav, np.zeros(int(seconds * SAMPLE_RATE), np.float32))
    frames = []
    for start, end in _shots(rng, seconds):
        image, name = background(rng, width, height)
        taken: list = []
        items = []
        if text:
            items = [("brand", rng.choice(shown_brands))]
            if rng.random() < 0.5:
                items.append(("brand", rng.choice(shown_brands)))
            items.append(
                rng.choice((("words", None), ("words", None), ("unknown", rng.choice(unknown))))
            )
        for kind, brand in items:
            label = distractor_words(rng) if kind == "words" else brand.title
            if kind == "brand" and rng.random() < 0.2:
                label = label.upper()
            placed = place_text(image, label, rng, taken)
            if placed is None:
                continue
            record = {"text": placed.text, "start": start, "end": end, "photo": name,
                      **{k: v for k, v in vars(placed).items() if k != "text"}}  # fmt: skip
            record["box"] = list(placed.box)
            if kind == "brand":
                truth["shown"].append({"brand": brand.slug, "name": brand.title, **record})
            else:
                kind_name = "words" if kind == "words" else "brand outside the library"
                truth["distractor_text"].append({"kind": kind_name, **record})
        truth["shots"].append({"start": start, "end": end, "photo": name})
        frames.append((start, end, image))
    _encode(out / "clip.mp4", frames, seconds, size, wav if audio != "none" else None)
    if audio != "speech":  # audio.wav stays beside a speech clip: the mix as made
        wav.unlink(missing_ok=True)
    truth["generation_s"] = round(time.monotonic() - started, 2)
    (out / "truth.json").write_text(json.dumps(truth, indent=2))
    return Clip(out, truth)


def _encode(path: Path, shots, seconds: float, size, wav: Path | None) -> None:
    """Shots (start, end, RGB image) -> H.264 30 fps, keyframe every 2 s, + AAC 48 kHz."""
    width, height = size
    rate = VIDEO_BITRATE.get(height, "4500k")
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(FPS),
            "-i", "pipe:0"]  # fmt: skip
    if wav:
        args += ["-i", str(wav)]
    args += ["-map", "0:v"] + (["-map", "1:a", "-c:a", "aac", "-b:a", "160k", "-ar",
                                str(AAC_RATE)] if wav else [])  # fmt: skip
    gop = str(FPS * KEYFRAME_S)
    args += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
             "-b:v", rate, "-maxrate", rate, "-bufsize", rate,
             "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
             "-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_S})",
             "-t", f"{seconds:.3f}", "-movflags", "+faststart", str(path)]  # fmt: skip
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for index in range(round(seconds * FPS)):
            t = index / FPS
            image = next((im for s, e, im in shots if s <= t + 1e-6 < e), shots[-1][2])
            process.stdin.write(image.tobytes())
        process.stdin.close()
    except BrokenPipeError:
        pass
    if process.wait() != 0:
        raise RuntimeError(f"ffmpeg failed: {process.stderr.read().decode()[-2000:]}")


# --------------------------------------------------------------------------- publish


@dataclass
class Publication:
    process: subprocess.Popen
    started: float  # wall clock (time.time) when ffmpeg started: media time m is sent
    # at about started + its connection start-up + m (read the first segment's
    # program_date_time for the start-up, as bench/pipeline.py does)


def publish(stack, clip: Clip, stream_key: str, loops: int = 0, realtime: bool = True):
    """Send ``clip`` to ``stack``'s RTMP ingest under ``stream_key`` as OBS would
    (``ffmpeg -re -c copy`` as FLV: H.264 + AAC); the caller waits for or stops it."""
    from local.publisher import publish as send

    started = time.time()
    process = send(f"{stack.info['rtmp']}/{stream_key}", clip.video, realtime, loops)
    return Publication(process, started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=24.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--audio", choices=("speech", "silence", "none"), default="speech")
    parser.add_argument("--no-text", action="store_true")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    clip = make_clip(args.out, args.seed, args.seconds, size, args.audio, not args.no_text)
    print(json.dumps({k: v for k, v in clip.truth.items() if k != "library"}, indent=1)[:4000])


if __name__ == "__main__":
    main()
