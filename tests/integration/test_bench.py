"""`make bench` in miniature (`python -m bench --quick`), so the benchmark cannot rot:
every part runs on its own fresh stack and the report names every target."""

import json
import subprocess
import sys

from local.runner import ROOT


def test_quick_bench_writes_a_complete_report(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["pipeline"]["results"] == report["pipeline"]["segments"] > 0
    assert report["pipeline"]["ingest"]["segment_complete_to_result_ms"]["n"] > 0
    assert report["costs"]["cpu_s_per_frame"]["decode"] > 0
    assert report["scale"]["rows"] and report["peer"]["cpu_s_per_frame_theirs"] > 0
    measured = {t["measure"] for t in report["targets"] if t["met"] is not None}
    assert len(measured) >= 5
    text = (tmp_path / "report.md").read_text()
    for section in ("# Performance report", "## Scale", "## Peer", "## Model service"):
        assert section in text
