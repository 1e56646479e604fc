"""An OBS-like RTMP publisher: ffmpeg sending H.264 + AAC as FLV, paced in real time.

``source_file`` muxes the sample clip with a tone into one MP4 (the video is
copied, keyframes every 2 s as OBS sends them when set up as README says);
``publish`` streams a file with ``-re -c copy`` exactly as OBS would put it on
the wire, or encodes a synthetic pattern with any GOP to play a badly set up OBS.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from local.sample_media import Clip


def _ffmpeg() -> str:
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise RuntimeError("ffmpeg is not installed: apt-get install ffmpeg")
    return ffmpeg


def source_file(clip: Clip, out: Path) -> Path:
    """The clip as one MP4 with an AAC tone (cached)."""
    if not out.exists():
        subprocess.run(
            [
                _ffmpeg(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(clip.playlist),
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440",
                "-map",
                "0:v",
                "-map",
                "1:a",
                "-c:v",
                "copy",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
                "-shortest",
                str(out),
            ],
            check=True,
        )
    return out


def _start(args: list[str], realtime: bool) -> subprocess.Popen:
    pace = ["-re"] if realtime else []  # read the input at its own pace, as a live source
    return subprocess.Popen(
        [_ffmpeg(), "-hide_banner", "-loglevel", "error", *pace, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def publish(url: str, source: Path, realtime: bool = True, loops: int = 0) -> subprocess.Popen:
    """Start streaming ``source`` to ``url``; the caller waits for or stops the process."""
    loop = ["-stream_loop", str(loops)] if loops else []
    return _start([*loop, "-i", str(source), "-c", "copy", "-f", "flv", url], realtime)


def publish_pattern(
    url: str,
    seconds: float,
    gop_frames: int,
    fps: int = 30,
    size: str = "640x360",
    realtime: bool = False,
) -> subprocess.Popen:
    """Encode and stream a test pattern with a chosen keyframe interval."""
    gop = str(gop_frames)
    encode = [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        gop,
        "-keyint_min",
        gop,
        "-sc_threshold",
        "0",
        "-c:a",
        "aac",
    ]
    sources = [
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={fps}",
        "-f",
        "lavfi",
        "-i",
        "sine",
        "-t",
        str(seconds),
    ]
    return _start([*sources, *encode, "-f", "flv", url], realtime)
