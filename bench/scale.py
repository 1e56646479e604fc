"""How many concurrent 1080p30 streams the pipeline keeps up with, found by stepping.

Each step uploads N streams' real segments at live pace (one 2 s segment per stream
every 2 s, with a current PROGRAM-DATE-TIME, so realtime mode's backlog rule is in
force) through the whole local stack, and watches the results in Firestore. A step is
kept up with when nothing is skipped or failed and the p95 upload -> result time stays
under one segment duration (otherwise a backlog grows). Steps stop at the first failure.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.watch import ResultTimes
from mediacore.names import segment_object
from mediacore.stats import percentile

SEGMENT_S = 2.0


def run_step(store, db, clip, streams: int, segments: int, tag: str) -> dict:
    ids = [f"scale-{tag}-{streams}-{i}" for i in range(streams)]
    uploaded: dict[tuple[str, int], float] = {}
    watches = {s: ResultTimes(db, s) for s in ids}
    started = time.monotonic()
    for seq in range(segments):
        tick = started + seq * SEGMENT_S
        time.sleep(max(0.0, tick - time.monotonic()))
        data = clip.segments[seq % len(clip.segments)].read_bytes()
        first_frame = datetime.now(UTC) - timedelta(seconds=SEGMENT_S)
        metadata = {
            "seq": str(seq),
            "duration": f"{SEGMENT_S:.3f}",
            "media_start": f"{seq * SEGMENT_S:.3f}",
            "program_date_time": first_frame.isoformat(),
        }
        for stream_id in ids:
            uploaded[(stream_id, seq)] = time.monotonic()
            store.create(segment_object(stream_id, seq), data, metadata=metadata)
    deadline = time.monotonic() + 30
    for watch in watches.values():
        watch.wait(segments, max(0.0, deadline - time.monotonic()))
        watch.stop()
    results = {(s, seq): seen for s, w in watches.items() for seq, seen in w.seen.items()}
    latency = [1000 * (results[k][0] - uploaded[k]) for k in uploaded if k in results]
    statuses = [results[k][1] for k in uploaded if k in results]
    p95 = round(percentile(latency, 95), 1) if latency else None
    kept_up = (
        len(results) == len(uploaded)
        and all(s == "done" for s in statuses)
        and p95 is not None
        and p95 < SEGMENT_S * 1000
    )
    return {
        "streams": streams,
        "segments": len(uploaded),
        "results": len(results),
        "skipped": statuses.count("skipped"),
        "failed": statuses.count("failed"),
        "latency_p50_ms": round(percentile(latency, 50), 1) if latency else None,
        "latency_p95_ms": p95,
        "kept_up": kept_up,
    }


def run(store, db, clip, steps=(1, 2, 4, 8, 12, 16, 20, 24, 32), segments: int = 6) -> dict:
    tag = datetime.now(UTC).strftime("%H%M%S")
    rows = []
    for streams in steps:
        row = run_step(store, db, clip, streams, segments, tag)
        rows.append(row)
        print(row, flush=True)
        if not row["kept_up"]:
            break
        time.sleep(2)  # let the last step's stragglers finish
    kept = [r["streams"] for r in rows if r["kept_up"]]
    return {"rows": rows, "max_streams": max(kept) if kept else 0}


def markdown(result: dict, cores: int) -> str:
    lines = [
        "## Scale: concurrent 1080p30 streams in realtime mode",
        "",
        "Each step uploads N streams' segments at live pace through the whole stack "
        "(Pub/Sub push -> analyze -> gpu_service darknet on CPU -> Firestore) on this "
        f"{cores}-core machine, everything sharing it. Kept up = nothing skipped or failed "
        "and p95 upload -> result under one segment (2 s).",
        "",
        "| streams | segments | results | skipped | failed | p50 ms | p95 ms | kept up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['streams']} | {r['segments']} | {r['results']} | {r['skipped']} | "
            f"{r['failed']} | {r['latency_p50_ms']} | {r['latency_p95_ms']} | "
            f"{'yes' if r['kept_up'] else 'no'} |"
        )
    lines += [
        "",
        f"**{result['max_streams']} concurrent streams** kept up with on {cores} cores "
        f"(~{result['max_streams'] / cores:.1f} per core, stack and models included).",
        "",
    ]
    return "\n".join(lines)
