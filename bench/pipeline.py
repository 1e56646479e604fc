"""``make bench``: the pipeline measured on this machine -> bench/report.md (+ .json).

Starts a fresh embedded stack, then:

Ingest: publishes the 1080p30 sample (H.264 + AAC, 2 s GOP) to the RTMP edge
with ``ffmpeg -re -c copy`` as OBS would, and measures per segment the time
from nginx closing the fragment (its last frame has arrived; the file's
mtime) to the object existing in the bucket, and the CPU that nginx and the
ingest service spend per stream.

Analysis: uploads N real 1080p30 segments at a live stream's pace and
measures, per segment:

- upload -> result visible in a Firestore on_snapshot listener (what a
  dashboard experiences), p50 / p95 / max;
- where that time goes: event delivery (object written -> function started),
  decode + measures, Firestore write;
- CPU seconds the analyze function spends per segment (psutil, the whole
  functions-framework process tree), and the stack's start-up time.
"""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

from bench.watch import ResultTimes
from local.runner import Stack
from local.sample_media import make_clip
from mediacore.names import segment_object, segments_prefix
from mediacore.stats import percentile
from mediacore.streams import StreamRegistry


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "max": round(max(values), 1),
    }


def analyze_processes(stack: Stack) -> list[psutil.Process]:
    root = psutil.Process(stack.process.pid)
    found = [
        p for p in root.children(recursive=True) if "functions-framework" in " ".join(p.cmdline())
    ]
    return found


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def stage_totals(stack: Stack, stage: str) -> tuple[float, float]:
    """(sum of seconds, count) of one stage from the analyze function's /metrics."""
    import requests

    try:
        text = requests.get(stack.info["metrics"]["analyze"], timeout=10).text
    except requests.RequestException:
        return 0.0, 0.0  # not serving yet: nothing analysed
    values = {}
    for line in text.splitlines():
        for kind in ("sum", "count"):
            if line.startswith(f'ma_stage_seconds_{kind}{{stage="{stage}"}}'):
                values[kind] = float(line.rsplit(" ", 1)[1])
    return values.get("sum", 0.0), values.get("count", 0.0)


def stack_processes(stack: Stack, marker: str) -> list[psutil.Process]:
    root = psutil.Process(stack.process.pid)
    return [p for p in root.children(recursive=True) if marker in " ".join(p.cmdline())]


def measure_ingest(stack: Stack, clip, work: Path, seconds: int) -> dict:
    from google.cloud import firestore

    from local.publisher import publish, source_file
    from mediacore.storage import open_store
    from mediacore.streams import StreamRegistry

    source = source_file(clip, work / "clip.mp4")
    loops = max(0, round(seconds / (2 * len(clip.segments))) - 1)
    store = open_store()
    db = firestore.Client()
    stream = StreamRegistry(db).create("bench ingest")
    watch = ResultTimes(db, stream.stream_id, clock=time.time)  # wall clock, like PDT
    ingest_processes = stack_processes(stack, "nginx") + stack_processes(stack, "ingest serve")
    cpu_before, wall_before = cpu_seconds(ingest_processes), time.monotonic()
    published_at = time.time()  # ffmpeg -re sends media time m at published_at + m
    publisher = publish(f"{stack.info['rtmp']}/{stream.stream_key}", source, loops=loops)
    publisher.wait()
    time.sleep(3)  # the last fragment is closed, shipped and analysed
    watch.stop()
    results = {seq: when for seq, (when, _) in watch.seen.items()}
    cpu = cpu_seconds(ingest_processes) - cpu_before
    wall = time.monotonic() - wall_before
    delays, uploaded, spans = [], {}, {}
    for obj in store.list(segments_prefix(stream.stream_id)):
        stat = store.stat(obj.name)
        seq, start = int(stat.metadata["seq"]), float(stat.metadata["media_start"])
        duration = float(stat.metadata["duration"])
        closed = datetime.fromisoformat(stat.metadata["program_date_time"]) + timedelta(
            seconds=duration
        )
        delays.append((stat.updated - closed).total_seconds() * 1000)
        uploaded[seq] = stat.updated.timestamp()
        spans[seq] = (start, duration)
    seen = [q for q in sorted(spans) if q in results]
    # ffmpeg connects and handshakes before -re starts sending: frame 0 reaches the edge
    # this much after the process starts (measured by the ingest as the first segment's
    # PROGRAM-DATE-TIME), so media time m is sent at published_at + startup + m.
    first = store.stat(segment_object(stream.stream_id, min(spans))).metadata
    startup = datetime.fromisoformat(first["program_date_time"]).timestamp() - published_at
    sent = published_at + max(0.0, startup)
    first_frame = [1000 * (results[q] - (sent + spans[q][0])) for q in seen]
    complete = [1000 * (results[q] - (sent + sum(spans[q]))) for q in seen]
    # hls.js with liveSyncDurationCount 2 (the dashboard) starts segment s about when
    # s + 1 is listed: its results must be in Firestore before then.
    margin = [1000 * (uploaded[q + 1] - results[q]) for q in seen if q + 1 in uploaded]
    return {
        "published_s": round(wall - 3, 1),
        "segments": len(delays),
        "fragment_closed_to_object_ms": summary(delays),
        "cpu_percent_of_a_core_per_stream": round(100 * cpu / wall, 2),
        "publisher_startup_ms": round(1000 * startup, 1),
        "frame_published_to_result_ms": summary(first_frame),
        "segment_complete_to_result_ms": summary(complete),
        "viewer_margin_ms": summary(margin) | {"min": round(min(margin), 1)} if margin else {},
    }


def run(
    segments: int,
    interval: float,
    work: Path,
    ingest_seconds: int,
    scale_steps: tuple[int, ...] = (1, 2, 4, 8, 12, 16, 20, 24, 32),
    scale_segments: int = 6,
) -> dict:
    clip = make_clip(work / "clip")
    stack = Stack(work / "stack")
    stack.start()
    try:
        stack.export()
        from google.cloud import firestore

        from mediacore.storage import open_store

        ingest = measure_ingest(stack, clip, work, ingest_seconds)
        store, db = open_store(), firestore.Client()
        stream_id = "bench-" + datetime.now(UTC).strftime("%H%M%S")
        watch = ResultTimes(db, stream_id)
        # Warm the function once (first request loads clients), outside the numbers.
        store.create(segment_object("bench-warmup", 0), clip.segments[0].read_bytes())
        time.sleep(2)
        write_before = stage_totals(stack, "write")
        processes = stack_processes(stack, "functions-framework")
        gpu_processes = stack_processes(stack, "gpu_service")
        cpu_before, gpu_before = cpu_seconds(processes), cpu_seconds(gpu_processes)
        uploaded: dict[int, float] = {}
        for seq in range(segments):
            data = clip.segments[seq % len(clip.segments)].read_bytes()
            uploaded[seq] = time.monotonic()
            store.create(segment_object(stream_id, seq), data, content_type="video/mp2t")
            time.sleep(max(0.0, uploaded[seq] + interval - time.monotonic()))
        watch.wait(segments, 120)
        watch.stop()
        seen = {seq: when for seq, (when, _) in watch.seen.items()}
        cpu_after, gpu_after = cpu_seconds(processes), cpu_seconds(gpu_processes)
        write_after = stage_totals(stack, "write")

        stored = StreamRegistry(db).ref(stream_id).collection("segments")
        docs = [d.to_dict() for d in stored.stream()]
        delivery = [
            (d["timings"]["started_at"] - d["timings"]["uploaded_at"]).total_seconds() * 1000
            for d in docs
        ]
        processing = [
            (d["timings"]["finished_at"] - d["timings"]["started_at"]).total_seconds() * 1000
            for d in docs
        ]
        decode = [d["timings"]["decode_ms"] for d in docs]
        inference = [d["timings"]["inference_ms"] or 0.0 for d in docs]
        latency = [(seen[s] - uploaded[s]) * 1000 for s in uploaded if s in seen]
        from bench import scale

        scaled = scale.run(store, db, clip, scale_steps, scale_segments)
        return {
            "scale": scaled,
            "source_mp4": str(work / "clip.mp4"),
            "clip_seconds": 2.0 * len(clip.segments),
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {psutil.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, no GPU",
            "segments": segments,
            "interval_s": interval,
            "results": len(latency),
            "statuses": {s: sum(d["status"] == s for d in docs) for s in ("done", "failed")},
            "stack_startup_s": round(stack.startup_seconds, 2),
            "upload_to_listener_ms": summary(latency),
            "event_delivery_ms": summary(delivery),
            "function_processing_ms": summary(processing),
            "decode_ms": summary(decode),
            "inference_ms": summary(inference),
            "backend": docs[0]["backend"] if docs else "-",
            "analyze_cpu_s_per_segment": round((cpu_after - cpu_before) / segments, 4),
            "gpu_service_cpu_s_per_segment": round((gpu_after - gpu_before) / segments, 4),
            "frames_per_segment": round(sum(len(d["frames"]) for d in docs) / max(len(docs), 1), 2),
            "segment_s": 2.0,
            "write_ms_per_frame": round(
                1000
                * (write_after[0] - write_before[0])
                / max(sum(len(d["frames"]) for d in docs), 1),
                2,
            ),
            "segment_paths": [str(p) for p in clip.segments],
            "ingest": ingest,
        }
    finally:
        stack.stop()


def stat_row(name: str, s: dict, note: str) -> str:
    return f"| {name} | {s.get('p50')} | {s.get('p95')} | {s.get('max')} | {note} |"


def report_markdown(r: dict) -> str:
    def row(name, key, note):
        s = r[key]
        return f"| {name} | {s['p50']} | {s['p95']} | {s['max']} | {note} |"

    ingest = r["ingest"]
    closed = ingest["fragment_closed_to_object_ms"]
    return "\n".join(
        [
            "# Pipeline",
            "",
            "## Ingest (RTMP edge)",
            "",
            f"One 1080p30 stream (H.264 + AAC, 2 s GOP) published with `ffmpeg -re -c copy` "
            f"for {ingest['published_s']} s: {ingest['segments']} segments.",
            "",
            "| measure | p50 | p95 | max | target |",
            "|---|---|---|---|---|",
            f"| fragment closed by nginx -> object in bucket (ms) | {closed['p50']} | "
            f"{closed['p95']} | {closed['max']} | p95 < 300 |",
            "",
            f"Ingest CPU per stream (nginx + hooks/uploader): "
            f"{ingest['cpu_percent_of_a_core_per_stream']} % of one core (target < 2 %).",
            "",
            "End to end on the same stream, as a viewer of the dashboard experiences it "
            "(ffmpeg -re sends media time m at its start-up + m; start-up "
            f"{ingest['publisher_startup_ms']} ms, from the first segment's "
            "PROGRAM-DATE-TIME):",
            "",
            "| measure (ms) | p50 | p95 | max | what it is |",
            "|---|---|---|---|---|",
            stat_row(
                "frame published -> result in a listener",
                ingest["frame_published_to_result_ms"],
                "a segment's first frame leaves the publisher -> its results arrive "
                "(includes the 2 s the segment takes to complete)",
            ),
            stat_row(
                "segment complete -> result in a listener",
                ingest["segment_complete_to_result_ms"],
                "its last frame sent -> results (close, upload, event, analysis, write)",
            ),
            stat_row(
                "viewer margin",
                ingest["viewer_margin_ms"],
                "results in Firestore this long before hls.js (liveSyncDurationCount 2) "
                f"starts the segment; minimum {ingest['viewer_margin_ms'].get('min')} ms",
            ),
            "",
            "## Analysis",
            "",
            f"{r['when']} on {r['machine']}. {r['segments']} real 1080p30 H.264 segments "
            f"(2 s, one keyframe each) uploaded one every {r['interval_s']} s to fake-gcs-server; "
            "finalize notification -> Pub/Sub emulator push -> analyze (functions-framework) "
            f"-> Firestore emulator -> on_snapshot listener. Analyzer backend: local "
            f"(gpu_service on CPU, {r['backend']}) plus the visual measures.",
            "",
            f"Results: {r['results']} of {r['segments']} ({r['statuses']}). "
            f"Stack start-up (every Procfile process ready): {r['stack_startup_s']} s.",
            "",
            "| stage (ms) | p50 | p95 | max | what it is |",
            "|---|---|---|---|---|",
            row(
                "upload -> listener",
                "upload_to_listener_ms",
                "what the dashboard sees: upload call to snapshot callback",
            ),
            row(
                "event delivery",
                "event_delivery_ms",
                "object written -> function started (notification + push)",
            ),
            row(
                "function",
                "function_processing_ms",
                "started -> finished: download, decode, inference, measures, write",
            ),
            row(
                "decode", "decode_ms", "PyAV: keyframe + its neighbour frame, scaled to thumbnails"
            ),
            row(
                "inference",
                "inference_ms",
                "JPEG encode + gpu_service round trip (detector, logo matching)",
            ),
            "",
            f"CPU per segment: analyze function {r['analyze_cpu_s_per_segment']} s, "
            f"gpu_service {r['gpu_service_cpu_s_per_segment']} s (user + system of each "
            f"process tree); {r['frames_per_segment']} sampled frames per segment.",
            "",
        ]
    )
