"""The demo clip's words: brand names on banners in the picture and said by a presenter.

Banners are drawn with Pillow on the sample images (DejaVu Sans Bold, Debian's
``fonts-dejavu-core``); the presenter is Debian's ``espeak-ng`` (no network, no
model), each sentence placed at its time in one track, muxed into the clip as
AAC as OBS would send it. Used by the demo and by the signal integration tests.
"""

from __future__ import annotations

import io
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
RATE = 22_050  # espeak-ng's own rate


@dataclass(frozen=True)
class Banner:
    image: int  # index of the sample image it is drawn on
    text: str
    where: tuple[float, float] = (0.06, 0.8)  # top-left, share of the frame
    height: float = 0.07  # text height, share of the frame's


@dataclass(frozen=True)
class Line:
    at: float  # media seconds into the clip
    text: str
    voice: str = "en-us"


def draw_banners(images: list[Path], banners: list[Banner], out: Path) -> list[Path]:
    """Copies of ``images`` with each banner drawn on its image: white bold text on a dark
    bar, as a lower third."""
    from PIL import Image, ImageDraw, ImageFont

    out.mkdir(parents=True, exist_ok=True)
    result = []
    for index, path in enumerate(images):
        picture = Image.open(path).convert("RGB")
        draw = ImageDraw.Draw(picture)
        for banner in (b for b in banners if b.image == index):
            size = max(12, round(banner.height * picture.height))
            font = ImageFont.truetype(str(FONT), size)
            x, y = banner.where[0] * picture.width, banner.where[1] * picture.height
            left, top, right, bottom = draw.textbbox((x, y), banner.text, font=font)
            pad = size // 3
            draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), fill=(20, 24, 38))
            draw.text((x, y), banner.text, font=font, fill=(250, 250, 250))
        target = out / path.name
        picture.save(target)
        result.append(target)
    return result


def speak(text: str, voice: str = "en-us", speed: int = 155) -> np.ndarray:
    """One sentence from espeak-ng as float samples at :data:`RATE`."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        if reader.getframerate() != RATE:
            raise RuntimeError(f"espeak-ng spoke at {reader.getframerate()} Hz, not {RATE}")
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), "<i2")
    return pcm.astype(np.float32) / 32768


def narration(lines: list[Line], seconds: float, path: Path) -> Path:
    """A mono WAV of ``seconds`` with each line spoken from its time (cut at the end)."""
    track = np.zeros(int(seconds * RATE), np.float32)
    for line in lines:
        audio = speak(line.text, line.voice)
        start = int(line.at * RATE)
        end = min(len(track), start + len(audio))
        track[start:end] += audio[: end - start]
    pcm = (np.clip(track, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(pcm.tobytes())
    return path


def with_audio(video: Path, audio: Path, out: Path) -> Path:
    """``video`` with ``audio`` as its AAC track (video copied, as a publisher sends it)."""
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(video), "-i", str(audio),
         "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k",
         "-ar", "48000", "-shortest", str(out)],
        check=True,
    )  # fmt: skip
    return out


def hls_segments(video: Path, folder: Path, seconds: float = 2.0) -> list[Path]:
    """``video`` cut into MPEG-TS segments of ``seconds`` (copied, cut on keyframes), as the
    ingest writes them: for tests that put segments straight into the bucket."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(video), "-c", "copy", "-f", "hls",
         "-hls_time", str(seconds), "-hls_list_size", "0",
         "-hls_segment_filename", str(folder / "%08d.ts"), str(folder / "index.m3u8")],
        check=True,
    )  # fmt: skip
    return sorted(folder.glob("*.ts"))
