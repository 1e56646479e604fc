"""The event spine end to end on real services: bucket -> Pub/Sub -> analyze -> Firestore.

Segments go into fake-gcs-server; its finalize notification travels through the
Pub/Sub emulator's push subscription to the analyze function under
functions-framework, which writes to the Firestore emulator; the test watches
with an on_snapshot listener, as the dashboard will.
"""

import os
import signal
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial

import pytest
import requests

from mediacore.names import segment_object
from tests import payloads
from tests.integration.helpers import (
    STALE_S,
    WAIT_S,
    counters,
    finished,
    function_process,
    live_metadata,
    segment_ref,
    wait_for_snapshot,
)

WEBHOOK_TOKEN = "test-webhook-token-0123456789"
WEBHOOK_AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}


def webhook_env(stack_env, bucket: str, endpoint: str, **extra) -> dict[str, str]:
    """The analyze_webhook function's environment for a MinIO-like bucket (moto's S3)."""
    return {
        **stack_env.client_env,
        "MA_BUCKET_URL": f"s3://{bucket}",
        "MA_S3_ENDPOINT_URL": endpoint,
        "MA_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        **extra,
    }


def test_uploaded_segment_is_analysed_and_seen_by_a_listener(db, store, clip, stream_id):
    now = datetime.now(UTC).replace(microsecond=0)
    metadata = {
        "stream_id": stream_id,
        "seq": "0",
        "duration": "2.000",
        "media_start": "0.000",
        "program_date_time": now.isoformat(),
    }
    store.create(
        segment_object(stream_id, 0),
        clip.segments[0].read_bytes(),
        metadata=metadata,
        content_type="video/mp2t",
    )
    doc = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)

    assert doc["status"] == "done" and doc["error"] is None
    assert doc["seq"] == 0 and doc["object"] == segment_object(stream_id, 0)
    assert doc["media_start"] == 0.0 and doc["duration"] == 2.0
    assert doc["program_date_time"] == now
    # The stack's own gpu_service labels frames: darknet offline, YOLO11n with its weights.
    assert doc["mode"] == "realtime" and doc["backend"].startswith(("darknet:", "ultralytics:"))
    assert doc["video"]["width"] == 1920 and doc["video"]["height"] == 1080
    [frame] = doc["frames"]
    assert frame["t"] == 0.0  # media time: stream-relative, from metadata + PTS
    assert 0 < frame["brightness"] < 1 and frame["motion"] > 0
    assert frame["colors"] and all(c["hex"].startswith("#") for c in frame["colors"])
    labels = {d["label"] for d in frame["detections"] if d["kind"] == "object"}
    assert "person" in labels  # the first clip image is ultralytics' bus.jpg
    for detection in frame["detections"]:
        assert 0 <= detection["score"] <= 1 and len(detection["box"]) == 4
    timings = doc["timings"]
    assert timings["inference_ms"] > 0
    assert timings["uploaded_at"] <= timings["started_at"] <= timings["finished_at"]
    assert timings["decode_ms"] > 0 and timings["event_at"] is not None

    stream = wait_for_snapshot(
        db.collection("streams").document(stream_id),
        lambda d: "latency_p50_ms" in d.get("stats", {}),
    )
    assert stream["name"] == stream_id and stream["status"] == "idle"
    assert counters(stream["stats"]) == {"segments": 1, "analyzed": 1, "failed": 0, "skipped": 0}
    assert stream["stats"]["latency_window"] == 1
    # Plausible, not fast (no timing asserts): within what the waits above allow.
    assert 0 < stream["stats"]["latency_p50_ms"] == stream["stats"]["latency_p95_ms"]
    assert stream["stats"]["latency_p50_ms"] < 1000 * WAIT_S
    assert -5 < stream["stats"]["lag_s"] < WAIT_S  # result time minus the segment's live end
    assert stream["objects"]["person"] == sum(
        d["label"] == "person" and d["kind"] == "object" for d in frame["detections"]
    )


def test_media_time_comes_from_pts_without_uploader_metadata(db, store, clip, stream_id):
    for seq in (0, 1):
        store.create(segment_object(stream_id, seq), clip.segments[seq].read_bytes())
    first = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    second = wait_for_snapshot(segment_ref(db, stream_id, 1), finished)
    assert second["media_start"] - first["media_start"] == pytest.approx(2.0, abs=0.01)
    assert second["frames"][0]["t"] == pytest.approx(second["media_start"], abs=0.01)


def test_redelivered_event_writes_nothing_twice(db, store, clip, stream_id, stack_env):
    name = segment_object(stream_id, 5)
    obj = store.create(name, clip.segments[2].read_bytes())
    ref = segment_ref(db, stream_id, 5)
    wait_for_snapshot(ref, finished)
    first_write = ref.get().update_time

    body = payloads.pubsub_push(
        bucket=store.bucket,
        name=name,
        generation=obj.generation,
        size=obj.size,
        metadata={},
        message_id="redelivery-1",
    )
    for _ in range(3):  # the same Pub/Sub message, delivered three more times
        response = requests.post(stack_env.info["analyze"], json=body, timeout=WAIT_S)
        assert response.status_code == 200
    assert ref.get().update_time == first_write
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert counters(stats) == {"segments": 1, "analyzed": 1, "failed": 0, "skipped": 0}
    assert len(list(ref.parent.stream())) == 1


def test_eventarc_cloudevent_is_analysed(db, store, clip, stream_id, stack_env):
    name = segment_object(stream_id, 7)
    obj = store.create(name, clip.segments[3].read_bytes())
    wait_for_snapshot(segment_ref(db, stream_id, 7), finished)  # via Pub/Sub first
    headers, data = payloads.eventarc(
        bucket=store.bucket, name=name, generation=obj.generation, size=obj.size
    )
    response = requests.post(stack_env.info["analyze"], headers=headers, json=data, timeout=WAIT_S)
    assert response.status_code == 200
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert stats["segments"] == 1 and stats["analyzed"] == 1


BAD_INPUTS = {
    "zero-byte": (b"", "empty object"),
    "truncated": (None, "truncated MPEG-TS"),
    "not-video": (b"%PDF-1.7\n" + b"x" * 4000, "not an MPEG-TS segment"),
    "damaged": (None, "corrupt or undecodable video"),
}


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_segment_is_marked_failed_and_the_next_is_analysed(db, store, clip, stream_id, kind):
    data, reason = BAD_INPUTS[kind]
    good = clip.segments[1].read_bytes()
    if kind == "truncated":
        data = good[: len(good) // 2 + 100]
    elif kind == "damaged":
        data = good[: 188 * 40]  # whole packets, but the keyframe is cut short
    store.create(segment_object(stream_id, 1), data)
    store.create(segment_object(stream_id, 2), good)

    failed = wait_for_snapshot(segment_ref(db, stream_id, 1), finished)
    assert failed["status"] == "failed" and reason in failed["error"]
    assert failed["frames"] == []
    after = wait_for_snapshot(segment_ref(db, stream_id, 2), finished)
    assert after["status"] == "done"
    time.sleep(1.0)  # a retry loop would show up as more writes here
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert counters(stats) == {"segments": 2, "analyzed": 1, "failed": 1, "skipped": 0}


def test_playlists_and_other_objects_are_ignored(db, store, clip, stream_id):
    store.put(f"streams/{stream_id}/index.m3u8", b"#EXTM3U\n")
    store.put(f"streams/{stream_id}/segments/readme.txt", b"hello")
    store.create(segment_object(stream_id, 3), clip.segments[0].read_bytes())
    wait_for_snapshot(segment_ref(db, stream_id, 3), finished)
    docs = list(db.collection("streams").document(stream_id).collection("segments").stream())
    assert [d.id for d in docs] == ["00000003"]


def test_replaced_segment_is_reanalysed_and_counted_once(db, store, clip, stream_id):
    name = segment_object(stream_id, 4)
    store.create(name, b"")
    ref = segment_ref(db, stream_id, 4)
    wait_for_snapshot(ref, lambda d: d.get("status") == "failed")
    store.put(name, clip.segments[0].read_bytes())  # a new generation of the object
    doc = wait_for_snapshot(ref, lambda d: d.get("status") == "done")
    assert doc["error"] is None
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert counters(stats) == {"segments": 1, "analyzed": 1, "failed": 0, "skipped": 0}


def test_malformed_event_is_acknowledged(stack_env):
    headers = {
        "ce-specversion": "1.0",
        "ce-type": "com.example.unknown",
        "ce-source": "//test",
        "ce-id": "x-1",
    }
    response = requests.post(
        stack_env.info["analyze"], headers=headers, json={"a": 1}, timeout=WAIT_S
    )
    assert response.status_code == 200


def test_firestore_down_answers_retryable_error(store, clip, stream_id, stack_env):
    obj = store.create(segment_object(stream_id, 9), clip.segments[0].read_bytes())
    env = {**stack_env.client_env, "FIRESTORE_EMULATOR_HOST": "127.0.0.1:9"}  # nothing there
    body = payloads.pubsub_push(bucket=store.bucket, name=obj.name, generation=obj.generation)
    with function_process("analyze", env) as url:
        response = requests.post(url, json=body, timeout=WAIT_S)
    assert response.status_code == 500  # Pub/Sub will deliver again


def test_model_service_down_answers_retryable_error(
    db, clip, stream_id, stack_env, moto_s3, aws_env
):
    # Through the MinIO path, so that the stack's own function never sees the object.
    from mediacore.storage import S3Store

    bucket = f"down-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    obj = s3.create(segment_object(stream_id, 0), clip.segments[0].read_bytes())
    env = webhook_env(
        stack_env,
        bucket,
        moto_s3,
        MA_ANALYZER_BACKEND="local",
        MA_GPU_SERVICE_URL="http://127.0.0.1:9",
        MA_GPU_RETRIES="1",
    )
    body = payloads.minio_put(
        bucket=bucket, key=obj.name, etag=obj.generation, size=obj.size, metadata={}
    )
    with function_process("analyze_webhook", env, signature="http") as url:
        response = requests.post(url, json=body, headers=WEBHOOK_AUTH, timeout=WAIT_S)
    assert response.status_code == 503  # MinIO delivers again later
    assert not segment_ref(db, stream_id, 0).get().exists  # nothing half-written


def test_minio_webhook_path_against_an_s3_server(db, clip, stream_id, stack_env, moto_s3, aws_env):
    from mediacore.storage import S3Store

    bucket = f"media-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    name = segment_object(stream_id, 0)
    obj = s3.create(name, clip.segments[1].read_bytes(), metadata={"media_start": "2.000"})
    env = webhook_env(stack_env, bucket, moto_s3)
    body = payloads.minio_put(
        bucket=bucket,
        key=name,
        etag=obj.generation,
        size=obj.size,
        metadata={"media_start": "2.000"},
    )
    with function_process("analyze_webhook", env, signature="http") as url:
        # MinIO probes its target with a HEAD, then posts each event (again on any non-2xx).
        assert requests.head(url, headers=WEBHOOK_AUTH, timeout=WAIT_S).status_code == 204
        for _ in range(2):
            assert (
                requests.post(url, json=body, headers=WEBHOOK_AUTH, timeout=WAIT_S).status_code
                == 204
            )
        # A malformed body is acknowledged (MinIO would resend it forever), with the reason.
        nope = requests.post(url, data="nope", headers=WEBHOOK_AUTH, timeout=WAIT_S)
        assert nope.status_code == 200 and "not analysed" in nope.json()["acknowledged"]
    doc = segment_ref(db, stream_id, 0).get().to_dict()
    assert doc["status"] == "done" and doc["generation"] == obj.generation
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert stats["segments"] == 1 and stats["analyzed"] == 1


def test_realtime_mode_skips_a_segment_too_far_behind_live(db, store, clip, stream_id):
    store.create(
        segment_object(stream_id, 0),
        clip.segments[0].read_bytes(),
        metadata=live_metadata(0, behind_s=STALE_S),
    )
    store.create(
        segment_object(stream_id, 1), clip.segments[1].read_bytes(), metadata=live_metadata(1)
    )
    stale = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    assert stale["status"] == "skipped" and "behind live" in stale["error"]
    assert stale["frames"] == []
    fresh = wait_for_snapshot(segment_ref(db, stream_id, 1), finished)
    assert fresh["status"] == "done"
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert counters(stats) == {"segments": 2, "analyzed": 1, "failed": 0, "skipped": 1}


def test_mode_switch_mid_stream_changes_sampling_and_skipping(db, store, clip, stream_id):
    store.create(
        segment_object(stream_id, 0), clip.segments[0].read_bytes(), metadata=live_metadata(0)
    )
    first = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    assert first["mode"] == "realtime" and len(first["frames"]) == 1  # keyframes only

    db.collection("streams").document(stream_id).update({"mode": "batch"})
    time.sleep(1.5)  # the stack's functions cache a stream's mode for 1 s
    store.create(
        segment_object(stream_id, 1),
        clip.segments[1].read_bytes(),
        metadata=live_metadata(1, behind_s=STALE_S),
    )
    second = wait_for_snapshot(segment_ref(db, stream_id, 1), finished)
    assert second["mode"] == "batch" and second["status"] == "done"  # batch never skips
    assert len(second["frames"]) == 10  # 5 fps over 2 s
    times = [f["t"] for f in second["frames"]]
    assert times == sorted(times) and times[0] == pytest.approx(2.0, abs=0.01)


def test_model_service_killed_and_restarted_mid_stream_loses_nothing(
    db, clip, stream_id, stack_env, moto_s3, aws_env
):
    """The sender redelivers what failed while gpu_service was down; every segment ends done."""
    import os
    import signal
    import subprocess
    import sys

    from local.runner import free_port, stop_process_group
    from mediacore.storage import S3Store
    from tests.conftest import wait_port

    port = free_port()
    gpu_env = {
        **os.environ,
        "MA_GPU_SERVICE_PORT": str(port),
        "MA_CLIP_ENABLED": "false",
        "MA_DETECTOR": "darknet",
    }

    def start_gpu():
        process = subprocess.Popen(
            [sys.executable, "-m", "gpu_service"],
            env=gpu_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_port(port)
        deadline = time.monotonic() + WAIT_S
        while requests.get(f"http://127.0.0.1:{port}/readyz", timeout=WAIT_S).status_code != 200:
            assert time.monotonic() < deadline, "gpu_service never became ready"
            time.sleep(0.3)
        return process

    bucket = f"gpu-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    env = webhook_env(
        stack_env,
        bucket,
        moto_s3,
        MA_ANALYZER_BACKEND="local",
        MA_GPU_SERVICE_URL=f"http://127.0.0.1:{port}",
        MA_GPU_RETRIES="1",
    )
    events = []
    for seq in range(4):
        obj = s3.create(segment_object(stream_id, seq), clip.segments[seq].read_bytes())
        events.append(
            payloads.minio_put(
                bucket=bucket, key=obj.name, etag=obj.generation, size=obj.size, metadata={}
            )
        )
    gpu = start_gpu()
    try:
        with function_process("analyze_webhook", env, signature="http") as url:
            post = partial(requests.post, url, headers=WEBHOOK_AUTH, timeout=WAIT_S)
            assert post(json=events[0]).status_code == 204
            stop_process_group(gpu, signal.SIGKILL)  # the model service dies mid-stream
            failed = [e for e in events[1:3] if post(json=e).status_code == 503]
            assert len(failed) == 2  # answered "retry later", nothing written
            assert not segment_ref(db, stream_id, 1).get().exists
            gpu = start_gpu()  # back
            for event in [*failed, events[3]]:  # the sender redelivers, the stream goes on
                assert post(json=event).status_code == 204
    finally:
        stop_process_group(gpu, signal.SIGKILL)
    for seq in range(4):
        doc = segment_ref(db, stream_id, seq).get().to_dict()
        assert doc["status"] == "done" and doc["backend"] == "darknet:yolov3-tiny", seq


def test_cloud_vision_backend_end_to_end(db, clip, stream_id, stack_env, moto_s3, aws_env):
    """The analyze function with backend cloud-vision, its API replaced at the HTTP wire only."""
    from mediacore.storage import S3Store
    from tests.vision_standin import VisionStandIn, serve

    bucket = f"vision-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    obj = s3.create(segment_object(stream_id, 0), clip.segments[0].read_bytes())
    body = payloads.minio_put(
        bucket=bucket, key=obj.name, etag=obj.generation, size=obj.size, metadata={}
    )
    stand_in = VisionStandIn()
    with serve(stand_in) as vision_url:
        env = webhook_env(
            stack_env,
            bucket,
            moto_s3,
            MA_ANALYZER_BACKEND="cloud-vision",
            MA_CLOUD_VISION_ENDPOINT=vision_url,
            MA_BRANDS='["Coca-Cola"]',
        )
        with function_process("analyze_webhook", env, signature="http") as url:
            response = requests.post(url, json=body, headers=WEBHOOK_AUTH, timeout=WAIT_S)
            assert response.status_code == 204
    doc = segment_ref(db, stream_id, 0).get().to_dict()
    assert doc["status"] == "done" and doc["backend"] == "cloud-vision"
    # One labelling request per sampled frame; and, the stream reading on-screen text
    # (on by default), one TEXT_DETECTION request for the segment's OCR frame.
    asked = [
        {f["type"] for f in item["features"]}
        for body in stand_in.requests
        for item in body["requests"]
    ]
    text_requests = [a for a in asked if a & {"TEXT_DETECTION", 5}]
    assert len(asked) - len(text_requests) == len(doc["frames"]) >= 1
    assert len(text_requests) == sum(f["ocr"] for f in doc["frames"]) == 1
    assert doc["signals"] == {"logo": "done", "text": "done", "speech": "unavailable"}
    kinds = {(d["kind"], d["label"]) for d in doc["frames"][0]["detections"]}
    assert {("object", "bus"), ("logo", "Coca-Cola")} <= kinds
    stream = db.collection("streams").document(stream_id).get().to_dict()
    assert stream["brands"]["Coca-Cola"]["seconds"] == pytest.approx(doc["duration"], abs=0.01)
    assert stream["objects"]["person"] == len(doc["frames"])


# --- the event is not trusted (issue 15, item 5) ---------------------------------------------


def test_webhook_callers_must_hold_the_token(db, clip, stream_id, stack_env, moto_s3, aws_env):
    """Anyone who reaches the webhook could otherwise have segments analysed and billed."""
    from mediacore.storage import S3Store

    bucket = f"auth-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    obj = s3.create(segment_object(stream_id, 0), clip.segments[0].read_bytes())
    body = payloads.minio_put(
        bucket=bucket, key=obj.name, etag=obj.generation, size=obj.size, metadata={}
    )
    with function_process(
        "analyze_webhook", webhook_env(stack_env, bucket, moto_s3), signature="http"
    ) as url:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": WEBHOOK_TOKEN}):
            response = requests.post(url, json=body, headers=headers, timeout=WAIT_S)
            assert response.status_code == 401, headers
            assert WEBHOOK_TOKEN not in response.text
        assert not segment_ref(db, stream_id, 0).get().exists
        assert (
            requests.post(url, json=body, headers=WEBHOOK_AUTH, timeout=WAIT_S).status_code == 204
        )
    assert segment_ref(db, stream_id, 0).get().to_dict()["status"] == "done"
    # Without a configured token the webhook refuses everyone (MinIO keeps the events).
    env = webhook_env(stack_env, bucket, moto_s3, MA_WEBHOOK_TOKEN="")
    with function_process("analyze_webhook", env, signature="http") as url:
        assert (
            requests.post(url, json=body, headers=WEBHOOK_AUTH, timeout=WAIT_S).status_code == 503
        )


def test_event_naming_another_bucket_is_acknowledged_unread(db, clip, stream_id, stack_env):
    """The function reads and writes for the configured bucket only, whatever the event says."""
    from mediacore.storage import GcsStore

    platform = stack_env.info
    other = GcsStore(f"other-{stream_id}", platform["project"], stack_env.client_env[
        "STORAGE_EMULATOR_HOST"
    ])  # fmt: skip
    other.ensure_bucket()
    obj = other.create(segment_object(stream_id, 0), clip.segments[0].read_bytes())
    body = payloads.pubsub_push(
        bucket=other.bucket, name=obj.name, generation=obj.generation, size=obj.size
    )
    response = requests.post(stack_env.info["analyze"], json=body, timeout=WAIT_S)
    assert response.status_code == 200  # acknowledged: redelivery cannot change the answer
    assert not segment_ref(db, stream_id, 0).get().exists
    assert not db.collection("streams").document(stream_id).get().exists


def test_segment_lookalike_names_never_overwrite_a_result(db, store, clip, stream_id):
    """``7.ts``, ``٧.ts`` or ``00000007.ts\\n`` would each parse as segment 7."""
    store.create(segment_object(stream_id, 7), clip.segments[0].read_bytes())
    ref = segment_ref(db, stream_id, 7)
    done = wait_for_snapshot(ref, finished)
    assert done["status"] == "done"
    prefix = f"streams/{stream_id}/segments/"
    for name in ("7.ts", "\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0667.ts", "000000007.ts"):
        store.put(prefix + name, b"")  # would be written `failed`: empty object
    store.create(segment_object(stream_id, 8), clip.segments[1].read_bytes())
    wait_for_snapshot(segment_ref(db, stream_id, 8), finished)
    time.sleep(1.0)  # the lookalikes' events were sent before segment 8's
    assert ref.get().to_dict() == done
    docs = [d.id for d in ref.parent.stream()]
    assert docs == ["00000007", "00000008"]


# --- frames per segment are capped (issue 15, item 10) ---------------------------------------


def _synthetic_segment(seconds: float, fps: int, gop: int) -> bytes:
    import subprocess

    return subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
         f"testsrc2=size=320x180:rate={fps}:duration={seconds}", "-c:v", "libx264",
         "-preset", "ultrafast", "-g", str(gop), "-f", "mpegts", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def test_all_intra_segment_is_analysed_at_about_one_frame_a_second(db, store, stream_id):
    """Every frame a keyframe: 120 frames to the models (413 from gpu_service) before."""
    store.create(segment_object(stream_id, 0), _synthetic_segment(2.0, fps=60, gop=1))
    doc = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    assert doc["status"] == "done", doc["error"]
    assert doc["video"]["keyframes"] == 120
    assert len(doc["frames"]) == 2


def test_long_fragment_in_batch_mode_is_capped(db, store, stream_id):
    """A 20 s fragment at 5 fps would be 100 frames: more than gpu_service takes at once."""
    from mediacore.settings import AnalysisSettings

    db.collection("streams").document(stream_id).set({"mode": "batch"})
    store.create(segment_object(stream_id, 0), _synthetic_segment(20.0, fps=30, gop=60))
    doc = wait_for_snapshot(segment_ref(db, stream_id, 0), finished, timeout=90)
    assert doc["status"] == "done" and doc["mode"] == "batch", doc["error"]
    times = [frame["t"] for frame in doc["frames"]]
    assert len(times) == AnalysisSettings().max_frames_per_segment
    assert times[-1] - times[0] > 18  # spread over the whole fragment


# --- deadlines nest (issue 15, item 11) ------------------------------------------------------


@contextmanager
def _model_service():
    """A real gpu_service on its own port (darknet, no CLIP); yields (url, process)."""
    import os
    import subprocess
    import sys

    from local.runner import free_port, stop_process_group
    from tests.conftest import wait_port

    port = free_port()
    env = {
        **os.environ,
        "MA_GPU_SERVICE_PORT": str(port),
        "MA_CLIP_ENABLED": "false",
        "MA_DETECTOR": "darknet",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gpu_service"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_port(port, timeout=120)
        deadline = time.monotonic() + 120
        while requests.get(f"{url}/readyz", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "gpu_service never became ready"
            time.sleep(0.3)
        yield url, process
    finally:
        os.killpg(process.pid, signal.SIGCONT)  # a stopped process cannot handle SIGTERM
        stop_process_group(process)


def _metric(url: str, name: str) -> float:
    for line in requests.get(f"{url}/metrics", timeout=30).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def test_hung_model_service_hands_the_event_back_in_time_and_its_job_is_dropped(
    db, clip, stream_id, stack_env, moto_s3, aws_env
):
    """gpu_service accepts the request and never answers (SIGSTOP). Before: 4 tries of
    30 s plus backoff, ~124 s, past the 60 s ack deadline (the event came back while the
    first delivery still waited), and the abandoned requests all ran once it woke up."""
    from mediacore.settings import AnalysisSettings
    from mediacore.storage import S3Store

    bucket = f"hung-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    obj = s3.create(segment_object(stream_id, 0), clip.segments[0].read_bytes())
    body = payloads.minio_put(
        bucket=bucket, key=obj.name, etag=obj.generation, size=obj.size, metadata={}
    )
    with _model_service() as (gpu_url, gpu):
        # A short analysis deadline keeps the test short; the per-try timeout stays default.
        deadline_s = 20.0
        env = webhook_env(
            stack_env,
            bucket,
            moto_s3,
            MA_ANALYZER_BACKEND="local",
            MA_GPU_SERVICE_URL=gpu_url,
            MA_ANALYSIS_DEADLINE_S=str(deadline_s),
            MA_MODEL_BUDGET_S="6",
        )
        assert AnalysisSettings().gpu_timeout_s > 6  # one try would outlast the budget
        batches = _metric(gpu_url, "gpu_batches_total")
        with function_process("analyze_webhook", env, signature="http") as url:
            os.killpg(gpu.pid, signal.SIGSTOP)
            started = time.monotonic()
            response = requests.post(url, json=body, headers=WEBHOOK_AUTH, timeout=150)
            waited = time.monotonic() - started
            os.killpg(gpu.pid, signal.SIGCONT)
            assert response.status_code == 503  # handed back: MinIO sends it again
            assert waited < deadline_s, waited  # and before the event source gave up
            assert not segment_ref(db, stream_id, 0).get().exists
            # Awake again, the service finds the request it was sent late and drops it.
            give_up = time.monotonic() + 60
            while _metric(gpu_url, "gpu_jobs_expired_total") < 1:
                assert time.monotonic() < give_up, "the abandoned request was never dropped"
                time.sleep(0.5)
            assert _metric(gpu_url, "gpu_batches_total") == batches  # it never ran
            # The redelivery finds a service that answers.
            assert (
                requests.post(url, json=body, headers=WEBHOOK_AUTH, timeout=150).status_code == 204
            )
    assert segment_ref(db, stream_id, 0).get().to_dict()["status"] == "done"


# --- a deleted stream stays deleted (issue 15, item 6) ---------------------------------------


def _api(stack_env, method: str, path: str, **kwargs):
    from tests.conftest import TEST_API_KEY

    url = stack_env.info["api"] + path
    return requests.request(method, url, headers={"X-API-Key": TEST_API_KEY}, timeout=60, **kwargs)


def _bucket_names(store, stream_id: str) -> list[str]:
    from mediacore.names import stream_prefix

    return [obj.name for obj in store.list(stream_prefix(stream_id))]


def test_a_deleted_stream_is_not_recreated_by_a_late_segment(db, store, clip, stream_id, stack_env):
    """Before: the next analysed segment of a deleted stream wrote its document back."""
    from functions.results import ResultWriter
    from mediacore.schema import SegmentResult

    def result(seq: int) -> SegmentResult:
        return SegmentResult(
            seq=seq, stream_id=stream_id, object="o", generation="1", status="done"
        )

    assert _api(stack_env, "POST", "/v1/streams", json={"name": "Gone", "stream_id": stream_id}).ok
    obj = store.create(segment_object(stream_id, 0), clip.segments[0].read_bytes())
    wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    cached = ResultWriter(db)  # an instance that knew the stream before it was deleted
    assert cached.write(stream_id, result(1))

    assert _api(stack_env, "DELETE", f"/v1/streams/{stream_id}").status_code == 204
    stream = db.collection("streams").document(stream_id)
    assert not stream.get().exists
    # The event comes again (a retry, a slow subscriber): acknowledged, nothing written.
    body = payloads.pubsub_push(bucket=store.bucket, name=obj.name, generation=obj.generation)
    assert requests.post(stack_env.info["analyze"], json=body, timeout=60).status_code == 200
    assert not stream.get().exists
    assert _bucket_names(store, stream_id) == []  # its media went with it
    # An analysis that read its segment before the delete and writes after it, from a
    # fresh instance and from one that had the stream cached: acknowledged, unwritten.
    from functions.errors import StreamGone

    for writer in (ResultWriter(db), cached):
        with pytest.raises(StreamGone):
            writer.write(stream_id, result(2))
    assert not stream.get().exists
    assert list(stream.collection("segments").stream()) == []


def test_a_stream_created_again_with_the_same_id_starts_empty(
    db, store, clip, stream_id, stack_env
):
    """Before: it showed the old media, and its first segment could not even be uploaded
    (the old object held the name)."""
    create = {"name": "Again", "stream_id": stream_id}
    assert _api(stack_env, "POST", "/v1/streams", json=create).ok
    store.create(segment_object(stream_id, 0), clip.segments[0].read_bytes())
    wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    assert _api(stack_env, "DELETE", f"/v1/streams/{stream_id}").status_code == 204

    assert _api(stack_env, "POST", "/v1/streams", json=create).ok
    stream = _api(stack_env, "GET", f"/v1/streams/{stream_id}").json()
    assert counters(stream["stats"]) == {"segments": 0, "analyzed": 0, "failed": 0, "skipped": 0}
    assert _bucket_names(store, stream_id) == []
    assert not segment_ref(db, stream_id, 0).get().exists
    # Its own first segment goes in under the same name and is analysed into it.
    store.create(segment_object(stream_id, 0), clip.segments[1].read_bytes())
    doc = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    assert doc["status"] == "done"
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert counters(stats) == {"segments": 1, "analyzed": 1, "failed": 0, "skipped": 0}


def test_a_long_recording_is_deleted_across_requests(db, store, stream_id, stack_env):
    """Before: every object was deleted inside the one DELETE request (18,000 requests for
    a 10 h stream, past any request timeout). Now the media goes within a budget, the
    tombstone says what is left, the id stays taken until then and DELETE goes on."""
    from functions import deletion
    from mediacore.streams import StreamRegistry

    create = {"name": "Long", "stream_id": stream_id}
    assert _api(stack_env, "POST", "/v1/streams", json=create).ok
    for seq in range(30):
        store.create(segment_object(stream_id, seq), b"not analysed: no event for these")
    registry = StreamRegistry(db)

    done = deletion.delete_stream(registry, store, stream_id, budget_s=0)  # budget spent
    assert done == deletion.Deletion(objects_deleted=0, finished=False)
    assert not db.collection("streams").document(stream_id).get().exists  # gone for viewers
    assert len(_bucket_names(store, stream_id)) == 30
    again = _api(stack_env, "POST", "/v1/streams", json=create)
    assert again.status_code == 409 and "still being deleted" in again.json()["error"]["message"]

    assert _api(stack_env, "DELETE", f"/v1/streams/{stream_id}").status_code == 204  # goes on
    assert _bucket_names(store, stream_id) == []
    assert not registry.media_pending(stream_id)
    assert _api(stack_env, "DELETE", f"/v1/streams/{stream_id}").status_code == 404
    assert _api(stack_env, "POST", "/v1/streams", json=create).status_code == 201
