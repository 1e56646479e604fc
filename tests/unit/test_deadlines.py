"""Deadlines nest (issue 15, item 11): every wait is shorter than the one above it, so an
event is never delivered again while its first delivery still runs, and a model job whose
caller gave up is dropped instead of run."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from gpu_service.batching import DeadlineExceeded, DynamicBatcher

ROOT = Path(__file__).resolve().parents[2]


def test_a_job_whose_caller_gave_up_is_dropped_not_run():
    ran: list[str] = []
    first_running, release = threading.Event(), threading.Event()

    def run_batch(payloads):
        ran.extend(payloads)
        first_running.set()
        release.wait(30)  # the first batch holds the model while the next job waits
        return payloads

    expired: list[int] = []
    batcher = DynamicBatcher(run_batch, 1, 0.0, 100, on_expired=expired.append)
    try:
        worker = threading.Thread(target=batcher.submit, args=("first", 1))
        worker.start()
        assert first_running.wait(30)
        with pytest.raises(DeadlineExceeded):
            batcher.submit("late", 1, deadline=time.monotonic() + 0.2)
        # A third job, queued behind the late one, expires while waiting too.
        waiter = threading.Thread(
            target=lambda: pytest.raises(DeadlineExceeded, batcher.submit, "later", 1,
                                         deadline=time.monotonic() + 0.3),
        )  # fmt: skip
        waiter.start()
        waiter.join(30)
        release.set()
        worker.join(30)
        assert batcher.submit("next", 1, deadline=time.monotonic() + 30) == "next"
    finally:
        release.set()
        batcher.stop()
    assert ran == ["first", "next"]  # the late jobs never reached the model
    assert sum(expired) == 2 and batcher.depth == 0


def test_an_expired_job_is_dropped_by_the_worker_too():
    """Between two batches the worker drops what expired, before the caller's own timer."""
    ran: list[str] = []
    batcher = DynamicBatcher(lambda p: ran.extend(p) or p, 4, 0.0, 100)
    try:
        with pytest.raises(DeadlineExceeded):
            batcher.submit("already late", 1, deadline=time.monotonic() - 1)
        assert batcher.submit("on time", 1, deadline=time.monotonic() + 30) == "on time"
    finally:
        batcher.stop()
    assert ran == ["on time"]


# --- the chain, from the event source down to the model call --------------------------------


def _terraform(name: str) -> str:
    return (ROOT / "terraform" / name).read_text()


def chain() -> dict[str, float]:
    """Every deadline on the analyze path, as deployed (seconds)."""
    from knative.render import images, kservice, kservices
    from mediacore import pubsub
    from mediacore.settings import AnalysisSettings

    analysis = AnalysisSettings()
    cloud_run = r'"google_cloud_run_v2_service" "analyze".*?timeout\s*=\s*"(\d+)s"'
    analyze = re.search(cloud_run, _terraform("cloudrun.tf"), re.S)
    backfill_push = r'"backfill_push".*?ack_deadline_seconds\s*=\s*(\d+)'
    backfill_ack = re.search(backfill_push, _terraform("events.tf"), re.S)
    webhook = next(s for s in kservices(images("r", "t"), False) if s.name == "analyze-webhook")
    return {
        "model_try": min(analysis.gpu_timeout_s, analysis.cloud_vision_timeout_s),
        "model_budget": analysis.model_budget_s,
        "analysis": analysis.analysis_deadline_s,
        "cloud_run_request": float(analyze[1]),
        "knative_request": float(kservice(webhook)["spec"]["template"]["spec"]["timeoutSeconds"]),
        "pubsub_ack_local": float(pubsub.ACK_DEADLINE_S),
        "pubsub_ack_backfill": float(backfill_ack[1]),
    }


def test_every_deadline_is_shorter_than_the_one_above_it():
    c = chain()
    assert c["model_try"] <= c["model_budget"] < c["analysis"], c
    # The function answers before its platform cuts the request, and the platform cuts
    # it before Pub/Sub gives up on the push and delivers the event again.
    assert c["analysis"] < c["cloud_run_request"] <= c["pubsub_ack_backfill"], c
    assert c["analysis"] < c["knative_request"], c
    assert c["analysis"] < c["pubsub_ack_local"], c
