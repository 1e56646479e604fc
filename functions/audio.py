"""A segment's audio as 16 kHz mono float samples on the stream's media clock (PyAV).

Whisper wants 16 kHz mono. The segment's first audio sample is placed on the same
media clock as its frames (``media_start`` + offset from the first video packet), so
word times and frame times compare directly. Only the audio stream is decoded; the
video packets are skipped at the demuxer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np

RATE = 16_000
# Below this RMS (about -60 dBFS) a stretch of audio is digital silence: not worth a call.
SILENCE_RMS = 0.001


@dataclass
class SegmentAudio:
    samples: np.ndarray  # float32, mono, RATE Hz
    start: float  # media time of the first sample

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / RATE

    def rms(self) -> float:
        if not len(self.samples):
            return 0.0
        return float(np.sqrt(np.mean(np.square(self.samples, dtype=np.float64))))

    def tail(self, seconds: float) -> SegmentAudio:
        keep = min(len(self.samples), int(round(seconds * RATE)))
        if keep <= 0:
            return SegmentAudio(self.samples[:0], self.end)
        return SegmentAudio(self.samples[-keep:], self.end - keep / RATE)


def decode_audio(data: bytes, media_start: float | None, video_first_pts: float | None):
    """The segment's audio, or None when it has no audio stream (or none that decodes).

    ``media_start`` is the stream media time of the segment's first video frame, whose
    pts in the segment's own clock is ``video_first_pts``; the audio is placed by its own
    first pts relative to that."""
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError):
        return None
    with container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks: list[np.ndarray] = []
        first_pts = None
        try:
            for frame in container.decode(stream):
                if first_pts is None and frame.pts is not None:
                    first_pts = float(frame.pts * frame.time_base)
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except (av.FFmpegError, ValueError):
            if not chunks:
                return None
    if not chunks:
        return None
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    offset = 0.0
    if first_pts is not None and video_first_pts is not None:
        offset = first_pts - video_first_pts
    start = (media_start or 0.0) + offset
    return SegmentAudio(samples, round(start, 4))


def join(earlier: SegmentAudio | None, later: SegmentAudio) -> SegmentAudio:
    """``earlier`` followed by ``later`` on one clock: a gap between them is filled with
    silence (at most 1 s; more means they are not neighbours and only ``later`` is kept),
    an overlap is cut from ``earlier``."""
    if earlier is None or not len(earlier.samples):
        return later
    gap = later.start - earlier.end
    if gap > 1.0 or later.start <= earlier.start:
        return later
    if gap >= 0:
        pad = np.zeros(int(round(gap * RATE)), np.float32)
        samples = np.concatenate([earlier.samples, pad, later.samples])
    else:
        keep = max(0, len(earlier.samples) - int(round(-gap * RATE)))
        samples = np.concatenate([earlier.samples[:keep], later.samples])
    return SegmentAudio(samples, earlier.start)


def to_wav(audio: SegmentAudio) -> bytes:
    """16-bit PCM WAV bytes (what the transcription endpoint takes)."""
    import wave

    pcm = (np.clip(audio.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return buffer.getvalue()
