"""The e2e clip: a street photo (a bus, people) with a brand logo on it, and every frame's
number burnt into its top-left corner as 16 black/white blocks, so the browser can read
which frame is on screen without OCR. H.264 1280x720, 30 fps, a keyframe every 2 s."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np

from tests.logo_scenes import logo, paste, photo

WIDTH, HEIGHT, FPS = 1280, 720, 30
CODE_BITS, CODE_BLOCK = 16, 20  # blocks of 20x20 px along the top-left edge


def stamp(frame: np.ndarray, number: int) -> None:
    frame[: CODE_BLOCK + 4, : CODE_BITS * CODE_BLOCK + 4] = 0
    for bit in range(CODE_BITS):
        if number >> bit & 1:
            x = bit * CODE_BLOCK
            frame[2 : CODE_BLOCK + 2, x + 2 : x + CODE_BLOCK + 2] = 255


def make_e2e_clip(out: Path, brand: str, seconds: int = 36) -> tuple[Path, tuple]:
    """Write the clip; returns it and the logo's normalised box [x, y, w, h]."""
    base = cv2.resize(photo("bus"), (WIDTH, HEIGHT))
    scene, box = paste(base, logo(brand), (1040, 420), 240)
    encoder = subprocess.Popen(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{WIDTH}x{HEIGHT}",
            "-r",
            str(FPS),
            "-i",
            "-",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            "-pix_fmt",
            "yuv420p",
            "-g",
            str(2 * FPS),
            "-keyint_min",
            str(2 * FPS),
            "-sc_threshold",
            "0",
            "-movflags",
            "+faststart",
            str(out),
        ],
        stdin=subprocess.PIPE,
    )
    for number in range(seconds * FPS):
        frame = scene.copy()
        stamp(frame, number)
        encoder.stdin.write(frame.tobytes())
    encoder.stdin.close()
    assert encoder.wait() == 0
    return out, box
