"""Will the detector find this logo? Render a reference into synthetic scenes and look for it.

An upload is checked before it is stored: the reference is built (it may be
refused outright, with the reason), then placed into a fixed set of scenes
the detector has to work through — sizes from 60 to 400 px on a 1080p frame,
rotations up to 30 degrees, a perspective tilt, blur and JPEG, on a card and
printed on textured ground — and looked for. The verdict says how many it
found and from which size up, so a user knows what to expect of it. The
scenes are drawn from a fixed seed: the same image gets the same verdict.
"""

from __future__ import annotations

import cv2
import numpy as np

from gpu_service.detections import iou
from gpu_service.logos import LogoMatcher, UnusableReference, build_reference, glyph_of
from mediacore.schema import LogoCheck

# The detector looks at frames scaled to 960 px wide: the scenes are made at that scale
# (sizes below are on a 1080p frame, halved here), which makes the check 4x cheaper.
FRAME = (540, 960)
SCALE = 0.5
# size (px, long side), rotation (deg), tilt, printed (no card)
TRIALS = [
    (60, 0, 0.0, False), (90, -20, 0.2, False), (130, 25, 0.1, True), (180, 10, 0.3, False),
    (250, -30, 0.2, True), (320, 15, 0.0, False), (400, -10, 0.25, True), (110, 30, 0.0, True),
]  # fmt: skip
MIN_FOUND = 2  # of len(TRIALS): below this the detector practically never finds it
GOOD_FOUND = 6


def _ground(rng: np.random.Generator) -> np.ndarray:
    """A busy, photo-like ground: smooth colour fields plus fine texture."""
    coarse = rng.uniform(40, 220, (9, 16, 3)).astype(np.float32)
    image = cv2.resize(coarse, FRAME[::-1], interpolation=cv2.INTER_CUBIC)
    image += rng.normal(0, 18, image.shape).astype(np.float32)
    return np.clip(cv2.GaussianBlur(image, (0, 0), 1.2), 0, 255)


def _place(scene, rgb, mask, size, angle, tilt, printed, rng):
    scale = size / max(mask.shape)
    glyph = cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    colour = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    pad = 0 if printed else int(0.25 * max(glyph.shape)) + 2
    h, w = glyph.shape[0] + 2 * pad, glyph.shape[1] + 2 * pad
    layer = np.full((h, w, 3), 245, np.float32)
    alpha = np.zeros((h, w), np.float32) if printed else np.ones((h, w), np.float32)
    inner = (slice(pad, pad + glyph.shape[0]), slice(pad, pad + glyph.shape[1]))
    layer[inner] = glyph[..., None] * colour + (1 - glyph[..., None]) * layer[inner]
    alpha[inner] = np.maximum(alpha[inner], glyph)
    truth = np.zeros((h, w), np.float32)
    truth[inner] = glyph
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src.copy()
    dst[1, 1] += h * tilt / 2
    dst[2, 1] -= h * tilt / 2
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    dst = np.hstack([dst, np.ones((4, 1), np.float32)]) @ rotation.T
    centre = np.float32([rng.uniform(0.3, 0.7) * FRAME[1], rng.uniform(0.3, 0.7) * FRAME[0]])
    dst += centre - dst.mean(axis=0)
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    size_wh = FRAME[::-1]
    layer = cv2.warpPerspective(layer, matrix, size_wh)
    alpha = cv2.GaussianBlur(cv2.warpPerspective(alpha, matrix, size_wh), (0, 0), 0.8)
    truth = cv2.warpPerspective(truth, matrix, size_wh)
    out = alpha[..., None] * layer + (1 - alpha[..., None]) * scene
    ys, xs = np.nonzero(truth > 0.5)
    box = (xs.min() / FRAME[1], ys.min() / FRAME[0],
           (xs.max() - xs.min() + 1) / FRAME[1], (ys.max() - ys.min() + 1) / FRAME[0])  # fmt: skip
    return out, box


def check_reference(image: np.ndarray, name: str = "upload") -> LogoCheck:
    """The verdict on one reference image (RGB or RGBA)."""
    try:
        reference = build_reference("candidate", name, image)
    except UnusableReference as exc:
        return LogoCheck(
            usable=False, quality="unusable", reason=str(exc), found=0, trials=len(TRIALS)
        )
    matcher = LogoMatcher()
    matcher.add_reference(reference)
    keypoints = matcher.keypoints.add("candidate", image)
    rgb, mask = glyph_of(image)
    ys, xs = np.nonzero(mask > 0.5)
    rgb = rgb[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    mask = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    rng = np.random.default_rng(20261130)
    found_sizes = []
    for size, angle, tilt, printed in TRIALS:
        scene, box = _place(_ground(rng), rgb, mask, size * SCALE, angle, tilt, printed, rng)
        ok, data = cv2.imencode(".jpg", np.clip(scene, 0, 255).astype(np.uint8)[..., ::-1],
                                [cv2.IMWRITE_JPEG_QUALITY, 80])  # fmt: skip
        frame = cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1]
        if any(iou(d.box, box) >= 0.3 for d in matcher.match(np.ascontiguousarray(frame))):
            found_sizes.append(size)
    found = len(found_sizes)
    usable = found >= MIN_FOUND
    reason = None
    if not usable:
        reason = (
            f"the detector found this logo in only {found} of {len(TRIALS)} test scenes "
            "(60-400 px, rotated, tilted, on a card and printed on busy ground); a cleaner "
            "image of the logo alone, on a transparent or plain background, usually works"
        )
    quality = "good" if found >= GOOD_FOUND else "fair" if found >= 4 else "poor"
    return LogoCheck(
        usable=usable,
        quality=quality if usable else "unusable",
        reason=reason,
        found=found,
        trials=len(TRIALS),
        smallest_found_px=min(found_sizes, default=None),
        keypoints=keypoints,
    )
