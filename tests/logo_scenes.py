"""Test scenes for the logo matcher: simple-icons logos pasted into real photos.

Logos are the npm ``simple-icons`` SVGs (tests/logos, installed by `make`),
rendered with resvg; photos come from scikit-image and ultralytics. Each paste
applies a scale, a rotation and a perspective tilt, then the whole scene goes
through JPEG compression, as a video frame would.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from gpu_service.logos import decode_image

ICONS = Path(__file__).parent / "logos" / "node_modules" / "simple-icons" / "icons"


def logo(name: str, colour=(20, 20, 20)) -> np.ndarray:
    """RGBA render of a simple-icons logo on transparent ground, in ``colour``."""
    rgba = decode_image((ICONS / f"{name}.svg").read_bytes(), ".svg")
    rgba[..., :3] = colour
    return rgba


def photo(name: str) -> np.ndarray:
    """An RGB uint8 photo that a package ships (ultralytics' two, scikit-image's)."""
    if name in ("bus", "zidane"):
        import ultralytics

        path = Path(ultralytics.__file__).parent / "assets" / f"{name}.jpg"
        return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    from skimage import data

    image = getattr(data, name)()
    if isinstance(image, tuple):  # stereo_motorcycle: (left, right, disparity)
        image = image[0]
    if image.dtype != np.uint8:
        image = image.astype(np.float64)
        image = (255 * (image - image.min()) / max(1e-9, np.ptp(image))).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    return np.ascontiguousarray(image[..., :3])


def paste(
    scene: np.ndarray,
    rgba: np.ndarray,
    centre,
    width: float,
    angle: float = 0.0,
    tilt: float = 0.0,
    backing=(255, 255, 255),
) -> tuple[np.ndarray, tuple]:
    """Paste a logo (on a small backing card) with scale/rotation/perspective.

    Returns the scene and the normalised bounding box of the logo within it.
    """
    h, w = rgba.shape[:2]
    pad = int(0.15 * w)
    card = np.zeros((h + 2 * pad, w + 2 * pad, 4), np.uint8)
    card[..., :3] = backing
    card[..., 3] = 255
    alpha = rgba[..., 3:] / 255.0
    inner = card[pad : pad + h, pad : pad + w, :3]
    card[pad : pad + h, pad : pad + w, :3] = (rgba[..., :3] * alpha + inner * (1 - alpha)).astype(
        np.uint8
    )
    ch, cw = card.shape[:2]
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    scale = width / cw
    # Perspective: the right edge is shortened by `tilt` (a card turned away).
    dst = np.float32([[0, 0], [cw, ch * tilt / 2], [cw, ch * (1 - tilt / 2)], [0, ch]]) * scale
    rotation = cv2.getRotationMatrix2D((0, 0), angle, 1.0)
    dst = np.hstack([dst, np.ones((4, 1), np.float32)]) @ rotation.T
    dst += np.float32(centre) - dst.mean(axis=0)
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    out_h, out_w = scene.shape[:2]
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h))
    mask = warped[..., 3:] / 255.0
    result = (warped[..., :3] * mask + scene * (1 - mask)).astype(np.uint8)
    logo_corners = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    quad = cv2.perspectiveTransform(logo_corners.reshape(-1, 1, 2), matrix).reshape(-1, 2)
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    box = (x0 / out_w, y0 / out_h, (x1 - x0) / out_w, (y1 - y0) / out_h)
    return result, box


def jpeg(image: np.ndarray, quality: int = 75) -> np.ndarray:
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
