"""The dashboard's production build stays small: what a browser loads first (index.html's
scripts and styles), gzip-compressed, under 600 kB. Firebase loads lazily on top."""

import gzip
import re

import pytest

from local.runner import ROOT

DIST = ROOT / "frontend" / "dist" / "browser"
LIMIT = 600 * 1024


def test_initial_load_is_under_600_kb_compressed():
    index = DIST / "index.html"
    if not index.exists():
        pytest.fail("the dashboard is not built: run `make frontend` (make test does)")
    html = index.read_text()
    files = set(re.findall(r'(?:src|href)="([^":]+\.(?:js|css))"', html))
    assert any(f.startswith("main") for f in files), files
    # Chunks main imports statically are part of the initial load too.
    main = next(DIST / f for f in files if f.startswith("main"))
    files |= set(re.findall(r'from"\./(chunk-[A-Z0-9]+\.js)"', main.read_text()))
    total = sum(len(gzip.compress((DIST / f).read_bytes(), 9)) for f in files)
    print(f"initial load: {len(files)} files, {total / 1024:.1f} kB gzip")
    assert total < LIMIT, f"{total / 1024:.1f} kB"
    lazy = [p for p in DIST.glob("chunk-*.js") if p.name not in files]
    assert lazy, "Firebase should be split into lazily loaded chunks"
