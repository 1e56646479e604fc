"""Logo detection benchmark: brands drawn at random by seed from all of simple-icons.

    python -m bench.logos                 # 100 brands x 3 scenes, cost at 1/20/100 refs
    python -m bench.logos --brands 12 --scenes 2   # the short version

Each library brand appears in ``scenes`` frames (card, printed, phone screen in
turn; every size bucket from 40 to 500 px), with distractors: logos of 30
brands outside the library, printed text, faces, busy textures
(:mod:`bench.logo_dataset`). The reference a user would upload is the brand's
simple-icons glyph as a 256 px PNG in its colour. A detection counts when it
names the right brand and overlaps the truth box with IoU >= 0.3.

Reported: per-frame recall and precision overall and by condition, size
bucket and rotation; exposure error per brand (detected vs true share of the
frames it is in, as sampled seconds); CPU ms per 1080p frame for 1, 20 and
100 references in the library; the previous SIFT-only matcher on the same
frames, for comparison.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.logo_dataset import make_dataset, reference_png
from gpu_service.detections import iou
from gpu_service.logo_keypoints import KeypointMatcher
from gpu_service.logos import LogoMatcher, decode_image

HERE = Path(__file__).resolve().parent
TARGETS = {"recall": 0.90, "precision": 0.95, "recall_smallest": 0.80, "exposure_error": 0.10}


def _rotation_bucket(angle: float) -> str:
    return "rot<=15" if abs(angle) <= 15 else "rot15-30" if abs(angle) <= 30 else "rot30-45"


def evaluate(matcher, scenes) -> dict:
    """Recall/precision overall and by condition; exposure error per brand; CPU per frame."""
    tp = fp = 0
    by = defaultdict(lambda: [0, 0])
    seen = defaultdict(lambda: [0, 0])  # brand -> [frames detected, frames present]
    cpu = []
    failures = []
    for index, scene in enumerate(scenes):
        started = time.process_time()
        found = matcher.match(scene.image)
        cpu.append(time.process_time() - started)
        used = set()
        for truth in scene.truth:
            hit = next(
                (
                    j
                    for j, d in enumerate(found)
                    if j not in used and d.label == truth.brand and iou(d.box, truth.box) >= 0.3
                ),
                None,
            )
            for key in (truth.condition, truth.size_bucket, _rotation_bucket(truth.rotation)):
                by[key][1] += 1
                by[key][0] += hit is not None
            seen[truth.brand][1] += 1
            if hit is None:
                failures.append(f"scene {index}: missed {truth.brand} ({truth.condition}, "
                                f"{truth.size_px} px, {truth.rotation:+.0f} deg)")  # fmt: skip
            else:
                used.add(hit)
                tp += 1
                seen[truth.brand][0] += 1
        for j, d in enumerate(found):
            if j not in used:
                fp += 1
                failures.append(f"scene {index}: false {d.label} ({d.score:.2f}); "
                                f"truth {[t.brand for t in scene.truth]}")  # fmt: skip
    truths = sum(len(s.truth) for s in scenes)
    errors = [abs(d - n) / n for d, n in seen.values()]
    return {
        "frames": len(scenes),
        "truths": truths,
        "recall": round(tp / max(1, truths), 3),
        "precision": round(tp / max(1, tp + fp), 3),
        "false_positives": fp,
        "by_condition": {
            k: {"recall": round(v[0] / v[1], 3), "n": v[1]} for k, v in sorted(by.items())
        },  # fmt: skip
        "exposure_error_median": round(float(np.median(errors)), 3) if errors else None,
        "brands_within_10pct": round(float(np.mean([e <= 0.10 for e in errors])), 3)
        if errors
        else None,  # fmt: skip
        "cpu_ms_mean": round(1000 * float(np.mean(cpu)), 1),
        "cpu_ms_p95": round(1000 * float(np.quantile(cpu, 0.95)), 1),
        "failures": failures,
    }


def library(icons) -> LogoMatcher:
    matcher = LogoMatcher()
    for icon in icons:
        matcher.add(icon.slug, decode_image(reference_png(icon), ".png"), f"{icon.slug}/ref.png")
    return matcher


def sift_only(icons) -> KeypointMatcher:
    matcher = KeypointMatcher(min_keypoints=12)
    for icon in icons:
        matcher.add(icon.slug, decode_image(reference_png(icon), ".png"))
    return matcher


def run(seed: int = 2026, brands: int = 100, scenes: int = 3) -> dict:
    icons, frames = make_dataset(seed, brands, scenes)
    matcher = library(icons)
    result = {"seed": seed, "brands": brands, "scenes_per_brand": scenes}
    result["shape+keypoints"] = evaluate(matcher, frames)
    result["rejected_references"] = matcher.rejected
    result["sift_only"] = evaluate(sift_only(icons), frames)
    result["sift_only"].pop("failures")
    cost = {}
    for size in sorted({1, min(20, brands), brands}):
        sub = library(icons[:size])
        times = []
        for scene in frames[:20]:
            started = time.process_time()
            sub.match(scene.image)
            times.append(time.process_time() - started)
        cost[str(size)] = round(1000 * float(np.mean(times)), 1)
    result["cpu_ms_by_library_size"] = cost
    return result


def markdown(result: dict) -> str:
    main = result["shape+keypoints"]
    sift = result["sift_only"]
    smallest = main["by_condition"].get("40-60px", {}).get("recall")
    sift_smallest = sift["by_condition"].get("40-60px", {}).get("recall")
    lines = [
        "## Logo detection (random simple-icons brands)",
        "",
        f"{result['brands']} brands drawn by seed {result['seed']}, {main['frames']} 1080p frames "
        "after H.264 at 4.5 Mbit/s, IoU >= 0.3 with the right brand.",
        "",
        "| measure | shape + keypoints | SIFT only (before) | target |",
        "|---|---|---|---|",
        f"| recall | {main['recall']} | {sift['recall']} | >= {TARGETS['recall']} |",
        f"| precision | {main['precision']} | {sift['precision']} | >= {TARGETS['precision']} |",
        f"| recall, 40-60 px | {smallest} | {sift_smallest} | >= {TARGETS['recall_smallest']} |",
        f"| brands with exposure error <= 10 % | {main['brands_within_10pct']} | "
        f"{sift['brands_within_10pct']} | 1.0 |",
        f"| CPU ms per frame (mean / p95) | {main['cpu_ms_mean']} / {main['cpu_ms_p95']} | "
        f"{sift['cpu_ms_mean']} | <= 100 |",
        "",
        "Recall by condition: "
        + ", ".join(f"{k} {v['recall']} (n={v['n']})" for k, v in main["by_condition"].items()),
        "",
        "CPU ms per frame by library size: "
        + ", ".join(f"{k} refs {v}" for k, v in result["cpu_ms_by_library_size"].items()),
        "",
        f"References refused at load: {len(result['rejected_references'])}",
        "",
        "First failures: " + "; ".join(main["failures"][:12]),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument("--scenes", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    result = run(args.seed, args.brands, args.scenes)
    (args.out / "logos.json").write_text(json.dumps(result, indent=2))
    text = markdown(result)
    (args.out / "logos.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
