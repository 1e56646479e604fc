"""Prometheus metrics of the model service (prometheus_client, one registry per app)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


class ServiceMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "gpu_requests_total", "Analyze requests by HTTP status", ["status"], registry=r
        )
        self.frames = Counter("gpu_frames_total", "Frames analysed", registry=r)
        self.batches = Counter("gpu_batches_total", "Model batches run", registry=r)
        self.batch_size = Histogram(
            "gpu_batch_frames", "Frames per model batch", buckets=BATCH_BUCKETS, registry=r
        )
        self.batch_requests = Histogram(
            "gpu_batch_requests", "Requests coalesced per batch", buckets=BATCH_BUCKETS, registry=r
        )
        self.batch_seconds = Histogram(
            "gpu_batch_seconds", "Time to run one batch", buckets=LATENCY_BUCKETS, registry=r
        )
        self.request_seconds = Histogram(
            "gpu_request_seconds", "Analyze request latency", buckets=LATENCY_BUCKETS, registry=r
        )
        self.queue_depth = Gauge("gpu_queue_frames", "Frames waiting for a batch", registry=r)
        self.rejected = Counter(
            "gpu_queue_rejections_total", "Requests refused: queue full", registry=r
        )
        self.expired = Counter(
            "gpu_jobs_expired_total",
            "Requests dropped unrun: their caller's deadline passed (X-Deadline)",
            registry=r,
        )
        self.model_load_seconds = Gauge(
            "gpu_model_load_seconds", "Time to load each model", ["model"], registry=r
        )

    def observe_batch(self, requests: int, frames: int, seconds: float) -> None:
        self.batches.inc()
        self.frames.inc(frames)
        self.batch_size.observe(frames)
        self.batch_requests.observe(requests)
        self.batch_seconds.observe(seconds)
