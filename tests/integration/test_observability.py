"""Metrics and per-stage log lines, as an operator scrapes and reads them."""

import json
import re
import time

import requests

from mediacore.names import segment_object
from tests.integration.helpers import (
    WAIT_S,
    finished,
    live_metadata,
    segment_ref,
    wait_for_snapshot,
)


def sample(text: str, name: str, **labels) -> float:
    """The value of one Prometheus sample (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and found == wanted:
            return float(value)
    return 0.0


def scrape(url: str) -> str:
    """The analyze function serves /metrics from its first event on (in its worker)."""
    try:
        return requests.get(url, timeout=10).text
    except requests.ConnectionError:
        return ""


def test_analyze_metrics_and_stage_logs_follow_each_segment(stack_env, db, store, clip, stream_id):
    url = stack_env.info["metrics"]["analyze"]
    before = scrape(url)
    decodes = sample(before, "ma_stage_seconds_count", stage="decode")
    store.create(
        segment_object(stream_id, 0), clip.segments[0].read_bytes(), metadata=live_metadata(0)
    )
    wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    # The listener can see the result a moment before the function counts it.
    deadline = time.monotonic() + WAIT_S
    while True:
        after = scrape(url)
        done = sample(after, "ma_segments_analysed_total", stream=stream_id, outcome="done")
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert sample(after, "ma_segments_analysed_total", stream=stream_id, outcome="done") == 1
    assert sample(after, "ma_stage_seconds_count", stage="decode") == decodes + 1
    for stage in ("event", "start", "inference", "write", "result"):
        assert sample(after, "ma_stage_seconds_count", stage=stage) >= 1, stage

    def logged() -> list[dict]:
        text = stack_env.log_path.read_text()
        lines = [json.loads(m) for m in re.findall(r"analyze\.1\s+\| (\{.*\})$", text, re.M)]
        return [line for line in lines if line.get("stream_id") == stream_id]

    # The runner writes the function's log lines as they come: wait for them, do not assume.
    deadline = time.monotonic() + WAIT_S
    while not {"decode", "inference", "write"} <= {line.get("stage") for line in logged()}:
        assert time.monotonic() < deadline, logged()
        time.sleep(0.2)
    mine = logged()
    written = next(line for line in mine if line.get("stage") == "write")
    assert written["severity"] == "INFO" and written["result_ms"] > 0 and written["seq"] == 0


def test_ingest_and_model_service_expose_metrics(stack_env):
    ingest = requests.get(stack_env.info["metrics"]["ingest"], timeout=10)
    assert ingest.status_code == 200
    for name in ("ma_segments_in_total", "ma_segments_uploaded_total", "ma_stage_seconds"):
        assert name in ingest.text, name
    gpu = requests.get(stack_env.info["metrics"]["gpu"], timeout=10).text
    assert "gpu_batch_frames" in gpu and "gpu_queue_frames" in gpu
