"""``make bench``: every benchmark in one run -> bench/report.md and bench/report.json.

python -m bench            # the full run (~10 minutes on 2 cores)
python -m bench --quick    # a tiny run that exercises every part (the test suite's)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import psutil

from bench import costs, models, peer, pipeline, scale, signals, targets

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=40, help="segments for the analysis run")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between uploads")
    parser.add_argument("--ingest-seconds", type=int, default=32)
    parser.add_argument("--model-repeats", type=int, default=5)
    parser.add_argument("--signal-clips", type=int, default=8, help="clips for text and speech")
    parser.add_argument("--signal-seconds", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks, not numbers")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    started = time.monotonic()
    if args.quick:
        args.segments, args.ingest_seconds, args.model_repeats = 4, 8, 1
        args.signal_clips, args.signal_seconds = 1, 8.0
    steps = (1, 2) if args.quick else (1, 2, 4, 8, 12, 16, 20, 24, 32)
    batch_sizes = (1, 2) if args.quick else models.BATCH_SIZES

    with tempfile.TemporaryDirectory(prefix="ma-bench-") as work:
        flow = pipeline.run(
            args.segments,
            args.interval,
            Path(work),
            args.ingest_seconds,
            scale_steps=steps,
            scale_segments=3 if args.quick else 6,
        )
        segment_paths = [Path(p) for p in flow.pop("segment_paths")]
        scaled = flow.pop("scale")
        cost = costs.with_pipeline(costs.run(segment_paths, repeats=1 if args.quick else 3), flow)
        peered = peer.run(Path(flow.pop("source_mp4")), segment_paths, flow.pop("clip_seconds"))
        heard = signals.run(
            Path(work) / "signals",
            seed=2026,
            clips=args.signal_clips,
            seconds=args.signal_seconds,
            size=(1920, 1080),
            e2e=True,
            logo_cpu_s_per_segment=cost["cpu_s_per_segment"],
        )
    served = models.run(args.model_repeats, batch_sizes)
    wall = round(time.monotonic() - started, 1)
    checked = targets.evaluate(flow, cost, served, wall) + heard["targets"]
    cores = psutil.cpu_count()
    report = "\n".join(
        [
            targets.markdown(checked, wall),
            pipeline.report_markdown(flow),
            costs.markdown(cost),
            scale.markdown(scaled, cores),
            peer.markdown(peered),
            signals.markdown(heard),
            models.markdown(served),
        ]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    everything = {
        "pipeline": flow,
        "costs": cost,
        "scale": scaled,
        "peer": peered,
        "signals": heard,
        "models": served,
        "targets": checked,
        "bench_seconds": wall,
    }
    (args.out / "report.json").write_text(json.dumps(everything, indent=2))
    (args.out / "report.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
