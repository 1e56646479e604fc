"""Prometheus metrics of the pipeline (prometheus_client): one registry per process.

Stages of a segment, each timed where it happens:
  ingest    fragment closed by nginx -> object in the bucket       (upload)
  analyze   object written -> event received                       (event)
            event received -> analysis started (queue in the function) (start)
            decode, inference, write (Firestore)                   (decode/inference/write)
            object written -> result written                       (result)

Long-lived processes (ingest, the functions in the local stack, compose and Knative)
serve them at /metrics (the analyze function from its first event on: it runs in a
gunicorn worker, which only exists once functions-framework has forked it). On Cloud
Run, where instances come and go, the same numbers are in the one JSON log line per
segment and stage, for log-based metrics.
"""

from __future__ import annotations

import logging
import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16)
REGISTRY = CollectorRegistry()

segments_in = Counter(
    "ma_segments_in_total",
    "Segments nginx closed and the ingest claimed for upload",
    ["stream"],
    registry=REGISTRY,
)
segments_uploaded = Counter(
    "ma_segments_uploaded_total", "Segments the ingest stored", ["stream"], registry=REGISTRY
)
upload_failures = Counter(
    "ma_upload_failures_total", "Segment uploads that failed (retried)", registry=REGISTRY
)
segments_dropped = Counter(
    "ma_segments_dropped_total",
    "Segments the ingest dropped unshipped (spool_full, disk_full, unreadable, name_taken)",
    ["stream", "reason"],
    registry=REGISTRY,
)
pending_segments = Gauge(
    "ma_ingest_pending_segments",
    "Closed segments waiting for upload",
    ["stream"],
    registry=REGISTRY,
)
segments_analysed = Counter(
    "ma_segments_analysed_total",
    "Segment events by outcome (done, failed, skipped, duplicate, superseded, rejected, "
    "stream_gone)",
    ["stream", "outcome"],
    registry=REGISTRY,
)
events_rejected = Counter(
    "ma_events_rejected_total",
    "Events acknowledged without analysis: another bucket, a name that only resembles a "
    "segment's, a malformed record",
    registry=REGISTRY,
)
frames_analysed = Counter("ma_frames_analysed_total", "Sampled frames analysed", registry=REGISTRY)
stage_seconds = Histogram(
    "ma_stage_seconds",
    "Time per pipeline stage (upload, event, start, decode, inference, write, result)",
    ["stage"],
    buckets=STAGE_BUCKETS,
    registry=REGISTRY,
)

_server_lock = threading.Lock()
_server_port: int | None = None


def serve(port: int, host: str = "0.0.0.0") -> None:
    """Serve /metrics on ``port`` once per process (0 or a repeated call: nothing)."""
    global _server_port
    with _server_lock:
        if not port or _server_port is not None:
            return
        try:
            start_http_server(port, addr=host, registry=REGISTRY)
        except OSError as exc:  # taken (a second instance on one host): analysis goes on
            logging.getLogger(__name__).warning("no /metrics on port %d: %s", port, exc)
        _server_port = port
