"""Random logo scenes to measure the logo detector: brands drawn by seed from all of simple-icons.

Every scene is a 1920x1080 photo (scikit-image and ultralytics ship them) with
one or more *library* logos placed under one of three conditions, plus
distractors the detector must not report (logos of brands that are not in the
library, printed text, faces, busy textures):

- ``card``: the glyph in its brand colour on an off-white card held in view;
- ``printed``: the glyph printed straight onto a surface of the photo (shirt,
  wall), shaded by the surface;
- ``phone``: the glyph on a phone screen (light or dark mode) in a dark bezel.

Each placement draws a size (40-500 px long side on the 1080p frame), a
rotation (+-45 deg), a perspective tilt, a blur, and sometimes an occluder;
the whole frame then gets a camera colour cast, gamma and sensor noise, and
the scene sequence goes through H.264 at an OBS-like bitrate (libx264 via
PyAV). The truth is the glyph's bounding box on the frame.

Colours: a brand whose colour has too little contrast with both a white card
and a dark phone screen cannot be shown in its own colour on either, so it is
the one exclusion (``usable_colour``).
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SIMPLE_ICONS = ROOT / "tests" / "logos" / "node_modules" / "simple-icons"
FRAME_W, FRAME_H = 1920, 1080
SIZE_BUCKETS = ((40, 60), (60, 120), (120, 250), (250, 500))
CONDITIONS = ("card", "printed", "phone")
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "bus", "zidane", "brick", "grass",
          "gravel", "camera", "page", "text", "immunohistochemistry", "hubble_deep_field",
          "horse", "coins", "moon")  # fmt: skip
DISTRACTOR_WORDS = ("SALE", "LIVE", "Breaking news", "Match day", "Studio", "OPEN 24/7",
                    "Welcome", "Final score 2-1", "Subscribe", "Menu", "Coffee & tea")  # fmt: skip


@dataclass(frozen=True)
class Icon:
    slug: str
    title: str
    hex: str

    @property
    def rgb(self) -> tuple[int, int, int]:
        return tuple(int(self.hex[i : i + 2], 16) for i in (0, 2, 4))


@dataclass
class Placement:
    brand: str
    condition: str
    size_px: int
    rotation: float
    box: tuple[float, float, float, float]  # normalised x, y, w, h of the glyph

    @property
    def size_bucket(self) -> str:
        for low, high in SIZE_BUCKETS:
            if self.size_px < high:
                return f"{low}-{high}px"
        return f"{SIZE_BUCKETS[-1][0]}-{SIZE_BUCKETS[-1][1]}px"


@dataclass
class Scene:
    image: np.ndarray  # RGB 1080p, after H.264 once `encode_h264` ran
    truth: list[Placement] = field(default_factory=list)
    distractors: list[str] = field(default_factory=list)


def relative_luminance(rgb) -> float:
    channel = np.asarray(rgb, np.float64) / 255
    linear = np.where(channel <= 0.04045, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast(a, b) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def usable_colour(rgb) -> bool:
    """Visible in its own colour on a white card or on a dark phone screen."""
    return contrast(rgb, (245, 245, 245)) >= 1.6 or contrast(rgb, (18, 18, 18)) >= 3.0


@cache
def all_icons() -> tuple[Icon, ...]:
    data = json.loads((SIMPLE_ICONS / "data" / "simple-icons.json").read_text())
    return tuple(Icon(d["slug"], d["title"], d["hex"]) for d in data)


def draw_brands(seed: int, count: int, exclude=()) -> list[Icon]:
    """``count`` brands with usable colours, drawn at random by ``seed``."""
    pool = [i for i in all_icons() if i.slug not in set(exclude) and usable_colour(i.rgb)]
    return random.Random(seed).sample(pool, count)


def icon_svg(slug: str) -> bytes:
    return (SIMPLE_ICONS / "icons" / f"{slug}.svg").read_bytes()


@cache
def _glyph_alpha(slug: str, side: int) -> np.ndarray:
    import resvg_py

    png = bytes(resvg_py.svg_to_bytes(svg_string=icon_svg(slug).decode(), width=side))
    rgba = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    alpha = rgba[..., 3]
    ys, xs = np.nonzero(alpha > 8)
    return alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]  # tight around the glyph


def reference_png(icon: Icon, side: int = 256) -> bytes:
    """The file a user would upload: the glyph in its brand colour on transparent ground."""
    alpha = _glyph_alpha(icon.slug, side)
    rgba = np.zeros((*alpha.shape, 4), np.uint8)
    rgba[..., :3] = icon.rgb[::-1]  # BGR for OpenCV
    rgba[..., 3] = alpha
    return cv2.imencode(".png", rgba)[1].tobytes()


@cache
def _photo(name: str) -> np.ndarray:
    if name in ("bus", "zidane"):
        import ultralytics

        path = Path(ultralytics.__file__).parent / "assets" / f"{name}.jpg"
        return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    from skimage import data

    image = getattr(data, name)()
    if image.dtype != np.uint8:
        image = image.astype(np.float64)
        image = (255 * (image - image.min()) / max(1e-9, np.ptp(image))).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    return image[..., :3]


def background(rng: random.Random) -> np.ndarray:
    photo = _photo(rng.choice(PHOTOS))
    h, w = photo.shape[:2]
    scale = max(FRAME_W / w, FRAME_H / h) * rng.uniform(1.0, 1.4)
    photo = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    y = rng.randrange(photo.shape[0] - FRAME_H + 1)
    x = rng.randrange(photo.shape[1] - FRAME_W + 1)
    return photo[y : y + FRAME_H, x : x + FRAME_W].copy()


def _layer(alpha_glyph: np.ndarray, colour, condition: str, rng: random.Random):
    """The placed object before warping: RGB, its alpha, the glyph's own mask."""
    gh, gw = alpha_glyph.shape
    glyph = alpha_glyph.astype(np.float32) / 255
    if condition == "printed":
        rgb = np.empty((gh, gw, 3), np.float32)
        rgb[:] = colour
        return rgb, glyph, glyph
    if condition == "card":
        pad = int(max(gh, gw) * rng.uniform(0.12, 0.35)) + 2
        paper = rng.uniform(225, 255)
        ground = np.array([paper, paper, paper - rng.uniform(0, 12)], np.float32)
        bezel = 0
    else:  # phone: a light or dark screen, whichever shows the colour, in a black bezel
        light = contrast(colour, (245, 245, 245)) >= 1.6
        ground = np.array((245, 245, 245) if light else (18, 18, 22), np.float32)
        pad = int(max(gh, gw) * rng.uniform(0.18, 0.45)) + 2
        bezel = max(3, int(0.06 * (max(gh, gw) + 2 * pad)))
    h, w = gh + 2 * pad + 2 * bezel, gw + 2 * pad + 2 * bezel
    if condition == "phone":  # a screen has the phone's shape: tall
        extra = max(0, int(1.9 * w) - h) // 2
        h += 2 * extra
    else:
        extra = 0
    rgb = np.zeros((h, w, 3), np.float32)
    rgb[:] = (12, 12, 14)
    rgb[bezel : h - bezel, bezel : w - bezel] = ground
    top, left = bezel + pad + extra, bezel + pad
    mask = np.zeros((h, w), np.float32)
    mask[top : top + gh, left : left + gw] = glyph
    inner = rgb[top : top + gh, left : left + gw]
    rgb[top : top + gh, left : left + gw] = (
        glyph[..., None] * np.float32(colour) + (1 - glyph[..., None]) * inner
    )
    return rgb, np.ones((h, w), np.float32), mask


def place(scene: np.ndarray, icon: Icon, condition: str, size_px: int, rng: random.Random):
    """Put one logo into ``scene`` (in place); returns the truth box or None if off-frame."""
    alpha_glyph = _glyph_alpha(icon.slug, 512)
    scale = size_px / max(alpha_glyph.shape)
    alpha_glyph = cv2.resize(alpha_glyph, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if min(alpha_glyph.shape) < 2:
        return None
    rgb, alpha, glyph = _layer(alpha_glyph, icon.rgb, condition, rng)
    h, w = alpha.shape
    angle = rng.uniform(-45, 45)
    tilt = rng.uniform(0, 0.35)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    side = rng.choice((0, 1))  # which edge recedes
    dst = src.copy()
    if side:
        dst[1, 1] += h * tilt / 2
        dst[2, 1] -= h * tilt / 2
    else:
        dst[0, 0] += w * tilt / 2
        dst[1, 0] -= w * tilt / 2
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    dst = np.hstack([dst, np.ones((4, 1), np.float32)]) @ rotation.T
    span = dst.max(axis=0) - dst.min(axis=0)
    if span[0] >= FRAME_W - 10 or span[1] >= FRAME_H - 10:
        return None
    cx = rng.uniform(span[0] / 2 + 5, FRAME_W - span[0] / 2 - 5)
    cy = rng.uniform(span[1] / 2 + 5, FRAME_H - span[1] / 2 - 5)
    dst += np.float32([cx, cy]) - (dst.min(axis=0) + dst.max(axis=0)) / 2
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    size = (FRAME_W, FRAME_H)
    warp = lambda im: cv2.warpPerspective(im, matrix, size, flags=cv2.INTER_LINEAR)  # noqa: E731
    layer_rgb, layer_alpha, glyph_mask = warp(rgb), warp(alpha), warp(glyph)
    blur = rng.uniform(0, 1.6)
    if blur > 0.3:
        layer_rgb = cv2.GaussianBlur(layer_rgb, (0, 0), blur)
        layer_alpha = cv2.GaussianBlur(layer_alpha, (0, 0), blur)
    if condition == "printed":  # ink takes the surface's shading
        shade = cv2.GaussianBlur(scene.astype(np.float32).mean(axis=2), (0, 0), 3) / 255
        layer_rgb *= (0.55 + 0.5 * shade)[..., None]
        layer_alpha *= rng.uniform(0.85, 1.0)
    ys, xs = np.nonzero(glyph_mask > 0.5)
    if len(xs) == 0:
        return None
    out = scene.astype(np.float32)
    out = layer_alpha[..., None] * layer_rgb + (1 - layer_alpha[..., None]) * out
    box = (xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min())
    if rng.random() < 0.25:  # an occluder (a hand, a mug) over part of the logo
        ow, oh = int(box[2] * rng.uniform(0.2, 0.4)), int(box[3] * rng.uniform(0.3, 0.6))
        ox = box[0] + rng.choice((0, box[2] - ow))
        oy = box[1] + rng.randrange(max(1, box[3] - oh))
        tone = np.float32([rng.uniform(120, 220), rng.uniform(80, 170), rng.uniform(60, 140)])
        out[oy : oy + oh, ox : ox + ow] = tone
    scene[:] = np.clip(out, 0, 255).astype(np.uint8)
    return (box[0] / FRAME_W, box[1] / FRAME_H, box[2] / FRAME_W, box[3] / FRAME_H), angle


def _overlaps(box, boxes, margin=0.02) -> bool:
    x, y, w, h = box
    return any(
        x < bx + bw + margin
        and bx < x + w + margin
        and y < by + bh + margin
        and by < y + h + margin
        for bx, by, bw, bh in boxes
    )


def _text(scene: np.ndarray, rng: random.Random) -> None:
    font = rng.choice((cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX))
    colour = tuple(rng.randrange(256) for _ in range(3))
    origin = (rng.randrange(0, FRAME_W - 400), rng.randrange(60, FRAME_H - 20))
    scale = rng.uniform(0.8, 3.0)
    cv2.putText(scene, rng.choice(DISTRACTOR_WORDS), origin, font, scale, colour,
                max(1, int(scale * 2)), cv2.LINE_AA)  # fmt: skip


def _camera(scene: np.ndarray, rng: random.Random) -> np.ndarray:
    gains = np.float32([rng.uniform(0.85, 1.15) for _ in range(3)])
    gamma = rng.uniform(0.8, 1.25)
    out = 255 * (np.clip(scene.astype(np.float32) * gains, 0, 255) / 255) ** gamma
    noise = rng.uniform(0, 4)
    if noise > 0.5:
        out += np.random.default_rng(rng.randrange(2**32)).normal(0, noise, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def make_scene(
    rng: random.Random,
    library: list[Icon],
    distractors: list[Icon],
    logos: int = 1,
    condition: str | None = None,
    size_px: int | None = None,
) -> Scene:
    """One frame: ``logos`` library logos plus distractors, then camera effects (no codec yet)."""
    image = background(rng)
    scene = Scene(image)
    boxes = []
    for _ in range(rng.choice((0, 1, 1, 2))):  # logos of brands outside the library
        icon = rng.choice(distractors)
        placed = place(image, icon, rng.choice(CONDITIONS), rng.randrange(60, 300), rng)
        if placed:
            boxes.append(placed[0])
            scene.distractors.append(icon.slug)
    for _ in range(rng.choice((0, 1, 2))):
        _text(image, rng)
    for _ in range(logos):
        icon = rng.choice(library)
        for _attempt in range(10):
            cond = condition or rng.choice(CONDITIONS)
            low, high = rng.choice(SIZE_BUCKETS)
            size = size_px or rng.randrange(low, high)
            trial = image.copy()
            placed = place(trial, icon, cond, size, rng)
            if placed and not _overlaps(placed[0], boxes):
                image[:] = trial
                boxes.append(placed[0])
                scene.truth.append(Placement(icon.slug, cond, size, placed[1], placed[0]))
                break
    scene.image = _camera(image, rng)
    return scene


def encode_h264(frames: list[np.ndarray], bitrate: int = 4_500_000, hold: int = 6) -> list:
    """The frames as a viewer would get them: each held for ``hold`` frames of a 30 fps H.264
    stream at ``bitrate`` (OBS's 1080p range), 2 s GOP; returns the last decoded copy of each."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = FRAME_W, FRAME_H, "yuv420p"
        stream.bit_rate = bitrate
        stream.options = {"preset": "veryfast", "g": "60", "threads": "2"}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for _ in range(hold):
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    buffer.seek(0)
    decoded = []
    with av.open(buffer) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % hold == hold - 1:
                decoded.append(frame.to_ndarray(format="rgb24"))
    return decoded


def make_dataset(seed: int, brands: int, scenes_per_brand: int, distractor_brands: int = 30,
                 h264: bool = True) -> tuple[list[Icon], list[Scene]]:  # fmt: skip
    """The library (``brands`` icons) and scenes in which each of them appears
    ``scenes_per_brand`` times, conditions and sizes cycling so every bucket is filled."""
    library = draw_brands(seed, brands)
    others = draw_brands(seed + 1, distractor_brands, exclude=[i.slug for i in library])
    rng = random.Random(seed)
    scenes = []
    for index in range(brands * scenes_per_brand):
        icon = library[index % brands]
        cond = CONDITIONS[(index // brands) % len(CONDITIONS)]
        low, high = SIZE_BUCKETS[(index // brands + index) % len(SIZE_BUCKETS)]
        scene = make_scene(rng, [icon], others, 1, cond, rng.randrange(low, high))
        scenes.append(scene)
    if h264:
        for scene, image in zip(scenes, encode_h264([s.image for s in scenes]), strict=True):
            scene.image = image
    return library, scenes
