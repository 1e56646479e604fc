"""Box helpers for the models' detections. ``Detection`` itself is defined once, in
:mod:`mediacore.schema`, and re-exported here for the detectors."""

from __future__ import annotations

from mediacore.schema import Detection

__all__ = ["Detection", "clip_box", "iou"]


def clip_box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    """Clamp a normalised box to the frame."""
    x, y, w, h = float(x), float(y), float(w), float(h)
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(1.0, x + w), min(1.0, y + h)
    return (x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))


def iou(a, b) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0
