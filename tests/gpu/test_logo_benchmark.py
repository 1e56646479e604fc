"""The short version of the logo benchmark (`python -m bench.logos`): brands drawn by seed.

Twelve brands from all of simple-icons, each in two scenes (card / printed /
phone screen, sizes 40-500 px, rotation, tilt, blur, occlusion, H.264) with
distractor logos, text and textures. The floors are below what the detector
measurably does on this draw (recall 0.62, precision 1.0) and on the 100-brand
run (bench/logos.md), and far below the issue's targets (0.90 / 0.95), which it
does not reach yet: the test keeps it from sliding back and from losing to
SIFT alone.
"""

from bench.logo_dataset import make_dataset
from bench.logos import evaluate, library, sift_only


def test_unseen_brands_are_found_in_random_scenes():
    icons, scenes = make_dataset(seed=7, brands=12, scenes_per_brand=2)
    measured = evaluate(library(icons), scenes)
    baseline = evaluate(sift_only(icons), scenes)
    print({k: v for k, v in measured.items() if k != "failures"}, measured["failures"])
    assert measured["precision"] >= 0.85, measured["failures"]
    assert measured["recall"] >= 0.4, measured["failures"]
    assert measured["recall"] > baseline["recall"]
