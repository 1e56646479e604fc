"""Sample video for the demo, tests and benchmarks, made here with ffmpeg.

No video is downloaded or committed: clips are rendered from still images
that installed packages ship (scikit-image's sample data; ultralytics'
``assets/bus.jpg`` and ``zidane.jpg`` when ultralytics is installed). Each
image is shown for a few seconds with a slow pan so that frames differ
(motion is non-zero), and encoded like an OBS stream: H.264 High, 1080p30,
a keyframe every 2 s, B-frames, cut into 2 s HLS MPEG-TS segments whose PTS
run on across segments as nginx-rtmp writes them.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT, FPS, GOP_SECONDS = 1920, 1080, 30, 2


@dataclass(frozen=True)
class Clip:
    folder: Path
    segments: list[Path]
    playlist: Path


def source_images(folder: Path) -> list[Path]:
    """Write the packaged sample images into ``folder`` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    images: list[Path] = []
    spec = importlib.util.find_spec("ultralytics")  # find only: importing pulls in torch
    if spec and spec.submodule_search_locations:
        assets = Path(next(iter(spec.submodule_search_locations))) / "assets"
        images += [assets / n for n in ("bus.jpg", "zidane.jpg") if (assets / n).exists()]
    from skimage import data
    from skimage.io import imsave

    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        path = folder / f"{name}.png"
        if not path.exists():
            imsave(path, getattr(data, name)(), check_contrast=False)
        images.append(path)
    return images


def make_clip(
    folder: Path,
    seconds_per_image: float = 4.0,
    images: int | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    fps: int = FPS,
    gop_seconds: float = GOP_SECONDS,
    segment_seconds: float = 2.0,
    sources: list[Path] | None = None,
) -> Clip:
    """Render an HLS clip into ``folder`` (reused if it is already there), from the
    packaged sample images or from ``sources``."""
    playlist = folder / "index.m3u8"
    if playlist.exists():
        return Clip(folder, sorted(folder.glob("*.ts")), playlist)
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise RuntimeError("ffmpeg is not installed: apt-get install ffmpeg")
    folder.mkdir(parents=True, exist_ok=True)
    sources = sources or source_images(folder / "images")[:images]
    inputs: list[str] = []
    filters: list[str] = []
    # Scale each image 10% over the frame, then pan across the margin: real motion.
    big_w, big_h = int(width * 1.1) // 2 * 2, int(height * 1.1) // 2 * 2
    for i, image in enumerate(sources):
        inputs += [
            "-loop",
            "1",
            "-framerate",
            str(fps),
            "-t",
            str(seconds_per_image),
            "-i",
            str(image),
        ]
        filters.append(
            f"[{i}:v]scale={big_w}:{big_h}:force_original_aspect_ratio=increase,"
            f"crop={width}:{height}:x='(in_w-{width})*t/{seconds_per_image}':y='(in_h-{height})/2',"
            f"setsar=1,format=yuv420p[v{i}]"
        )
    concat = "".join(f"[v{i}]" for i in range(len(sources)))
    filters.append(f"{concat}concat=n={len(sources)}:v=1:a=0[out]")
    gop = int(fps * gop_seconds)
    command = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        ";".join(filters),
        "-map",
        "[out]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-profile:v",
        "high",
        "-r",
        str(fps),
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        "-bf",
        "2",
        "-f",
        "hls",
        "-hls_time",
        str(segment_seconds),
        "-hls_list_size",
        "0",
        "-hls_segment_filename",
        str(folder / "%08d.ts"),
        str(playlist),
    ]
    subprocess.run(command, check=True)
    return Clip(folder, sorted(folder.glob("*.ts")), playlist)


if __name__ == "__main__":
    import sys

    clip = make_clip(Path(sys.argv[1] if len(sys.argv) > 1 else "var/sample"))
    print(f"{len(clip.segments)} segments in {clip.folder}")


def branded_images(folder: Path, brands: list[dict], brands_dir: Path) -> list[Path]:
    """The sample images with a brand's logo on a card in some of them, as a streamer holds
    one up: each brand in ``brands`` (brand_id, file, colour) on its own image, turned a
    little, about a fifth of the frame wide; the others plain, for contrast."""
    import cv2
    import numpy as np
    import resvg_py

    plain = source_images(folder / "plain")
    out = []
    folder.mkdir(parents=True, exist_ok=True)
    for index, image_path in enumerate(plain):
        image = cv2.imread(str(image_path))
        image = cv2.resize(image, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
        if index < len(brands):
            brand = brands[index]
            svg = (brands_dir / brand["file"]).read_text()
            png = bytes(resvg_py.svg_to_bytes(svg_string=svg, width=300))
            alpha = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)[..., 3]
            rgb = [int(brand["colour"][i : i + 2], 16) for i in (4, 2, 0)]  # BGR
            card = np.full((alpha.shape[0] + 120, alpha.shape[1] + 120, 3), 245, np.float32)
            glyph = alpha[..., None].astype(np.float32) / 255
            inner = card[60:-60, 60:-60]
            card[60:-60, 60:-60] = glyph * np.float32(rgb) + (1 - glyph) * inner
            h, w = card.shape[:2]
            turn = cv2.getRotationMatrix2D((w / 2, h / 2), 12 if index % 2 else -10, 1.0)
            turn[:, 2] += (WIDTH * 0.62 - w / 2, HEIGHT * 0.3 - h / 2)
            layer = cv2.warpAffine(card, turn, (WIDTH, HEIGHT))
            mask = cv2.warpAffine(np.ones((h, w), np.float32), turn, (WIDTH, HEIGHT))[..., None]
            image = (mask * layer + (1 - mask) * image).astype(np.uint8)
        path = folder / f"{index}-{image_path.stem}.png"
        cv2.imwrite(str(path), image)
        out.append(path)
    return out
