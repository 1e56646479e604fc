"""``make bench``: every benchmark in one run -> bench/report.md and bench/report.json."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench import costs, models, pipeline

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=40, help="segments for the analysis run")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between uploads")
    parser.add_argument("--ingest-seconds", type=int, default=32)
    parser.add_argument("--model-repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ma-bench-") as work:
        flow = pipeline.run(args.segments, args.interval, Path(work), args.ingest_seconds)
        cost = costs.with_pipeline(costs.run([Path(p) for p in flow.pop("segment_paths")]), flow)
    served = models.run(args.model_repeats)
    report = "\n".join(
        [pipeline.report_markdown(flow), costs.markdown(cost), models.markdown(served)]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(
        json.dumps({"pipeline": flow, "costs": cost, "models": served}, indent=2)
    )
    (args.out / "report.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
