"""Metrics and per-stage log lines, as an operator scrapes and reads them."""

import json
import re
import time

import requests

from mediacore.names import segment_object
from tests.integration.helpers import finished, live_metadata, segment_ref, wait_for_snapshot


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
    deadline = time.monotonic() + 10
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

    lines = [
        json.loads(m.group(1))
        for m in re.finditer(r"analyze\.1\s+\| (\{.*\})$", stack_env.log_path.read_text(), re.M)
    ]
    mine = [line for line in lines if line.get("stream_id") == stream_id]
    stages = {line.get("stage") for line in mine}
    assert {"decode", "inference", "write"} <= stages, mine
    written = next(line for line in mine if line.get("stage") == "write")
    assert written["severity"] == "INFO" and written["result_ms"] > 0 and written["seq"] == 0


def test_ingest_and_model_service_expose_metrics(stack_env):
    ingest = requests.get(stack_env.info["metrics"]["ingest"], timeout=10)
    assert ingest.status_code == 200
    for name in ("ma_segments_in_total", "ma_segments_uploaded_total", "ma_stage_seconds"):
        assert name in ingest.text, name
    gpu = requests.get(stack_env.info["metrics"]["gpu"], timeout=10).text
    assert "gpu_batch_frames" in gpu and "gpu_queue_frames" in gpu
