"""Model-free visual measures of one sampled frame: brightness, dominant colours, motion.

All work on the small RGB thumbnail from :mod:`functions.decode`.

- brightness: mean BT.601 luma, 0 (black) .. 1 (white).
- colours: a 3-bit-per-channel histogram (512 bins). The most populated bins
  are the dominant colours; each is reported as the mean colour of its pixels
  (so the hex is a real colour of the frame, not a bin corner) with its share of
  the frame. A histogram is deterministic and O(pixels), where k-means is
  neither, and needs no library beyond NumPy.
- motion: mean absolute luma change between the frame and the one presented
  right after it, per frame of distance, 0 (still) .. 1. Consecutive-frame
  difference is independent of how densely a mode samples, so realtime and
  batch results are comparable.
"""

from __future__ import annotations

import numpy as np

from functions.decode import SampledFrame, to_gray


def brightness(rgb: np.ndarray) -> float:
    return round(float(to_gray(rgb).mean()), 4)


def dominant_colors(rgb: np.ndarray, count: int = 5) -> list[dict]:
    pixels = rgb.reshape(-1, 3).astype(np.int64)
    bins = (pixels[:, 0] >> 5) << 6 | (pixels[:, 1] >> 5) << 3 | (pixels[:, 2] >> 5)
    counts = np.bincount(bins, minlength=512)
    total = counts.sum()
    colors = []
    for bin_id in np.argsort(counts)[::-1][:count]:
        if counts[bin_id] == 0:
            break
        mean = pixels[bins == bin_id].mean(axis=0).round().astype(int)
        colors.append(
            {
                "hex": "#{:02x}{:02x}{:02x}".format(*mean),
                "share": round(float(counts[bin_id] / total), 4),
            }
        )
    return colors


def motion(frame: SampledFrame) -> float | None:
    if frame.neighbour_gray is None:
        return None  # the segment ended on this frame: nothing to compare with
    change = np.abs(to_gray(frame.rgb) - frame.neighbour_gray).mean() / frame.frames_apart
    return round(float(change), 5)


def measure(frame: SampledFrame, color_count: int = 5) -> dict:
    return {
        "brightness": brightness(frame.rgb),
        "colors": dominant_colors(frame.rgb, color_count),
        "motion": motion(frame),
    }
