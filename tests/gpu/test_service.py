"""The model service over HTTP: results, readiness, metrics, batching, bad input, OpenAPI."""

import io
import json
import threading
import time

import cv2
import jsonschema
import pytest
import requests
from openapi_spec_validator import validate

from gpu_service.app import create_app
from gpu_service.batching import DynamicBatcher, QueueFull
from gpu_service.config import BatchConfig, ClipConfig, LogoConfig, ServiceConfig
from gpu_service.detectors.darknet import DarknetConfig
from gpu_service.openapi import OPENAPI
from local.runner import free_port
from tests.conftest import wait_port
from tests.gpu.conftest import jpeg_bytes
from tests.logo_scenes import logo, paste, photo


def post(client, frames, tasks=None):
    data = {"frame": [(io.BytesIO(f), f"{i}.jpg") for i, f in enumerate(frames)]}
    if tasks is not None:
        data["tasks"] = tasks if isinstance(tasks, str) else json.dumps(tasks)
    return client.post("/v1/analyze", data=data, content_type="multipart/form-data")


def schema(name):
    return {**OPENAPI["components"]["schemas"][name], "components": OPENAPI["components"]}


def test_analyze_returns_objects_logos_scene_and_brands(client, bus_jpeg):
    scene, _ = paste(photo("zidane"), logo("redbull"), (640, 360), 260, -10, 0.2)
    tasks = {"scene_labels": ["a street", "a stage"], "brands": ["Red Bull", "Adidas"]}
    response = post(client, [bus_jpeg, jpeg_bytes(scene)], tasks)
    assert response.status_code == 200
    body = response.get_json()
    jsonschema.validate(body, schema("AnalyzeResponse"))
    bus, zidane = body["frames"]
    assert {"bus", "person"} <= {d["label"] for d in bus["detections"] if d["kind"] == "object"}
    assert any(d["kind"] == "logo" and d["label"] == "redbull" for d in zidane["detections"])
    assert {s["label"] for s in bus["scene"]} == {"a street", "a stage"}
    assert body["models"]["detector"]["model"] == "darknet:yolov3-tiny"
    assert body["models"]["clip"]["model"].startswith("open_clip:ViT-S-32")
    assert body["warnings"] == []


def test_tasks_can_switch_models_off(client, bus_jpeg):
    body = post(client, [bus_jpeg], {"objects": False, "logos": False}).get_json()
    assert body["frames"] == [
        {"detections": [], "scene": [], "brands": [], "text": [], "ocr": False}
    ]  # OCR runs through /v1/ocr, never here


def test_readyz_and_healthz(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["ready"] and body["detector"]["plugin"] == "darknet"
    assert body["logos"]["references"] == 4


def test_openapi_document_is_valid_and_served(client):
    served = client.get("/openapi.json").get_json()
    assert served == json.loads(json.dumps(OPENAPI))
    validate(served)
    for path in ("/v1/analyze", "/healthz", "/readyz", "/metrics"):
        assert path in served["paths"]


@pytest.mark.parametrize(
    ("frames", "tasks", "status", "message"),
    [
        ([], None, 400, "no 'frame' parts"),
        ([b"GIF89a not a jpeg"], None, 400, "frame 0 is not a JPEG"),
        ([b"\xff\xd8\xff\xe0" + b"\0" * 100], None, 400, "damaged JPEG"),
        (["bus"], "{not json", 400, "not JSON"),
        (["bus"], {"scene_labels": "street"}, 400, "list of non-empty strings"),
        (["bus"], {"colour": True}, 400, "unknown task field"),
        (["bus"] * 65, None, 413, "at most 64"),
    ],
)
def test_bad_input_gets_a_clear_status(client, bus_jpeg, frames, tasks, status, message):
    frames = [bus_jpeg if f == "bus" else f for f in frames]
    response = post(client, frames, tasks)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"]["status"] == status and message in body["error"]["message"]


def test_oversized_frames_are_downscaled_and_huge_ones_refused(service_config):
    config = service_config.model_copy(
        update={"limits": service_config.limits.model_copy(update={"max_pixels": 3000 * 2000})}
    )
    client = create_app(config, load_async=False).test_client()
    big = cv2.resize(photo("bus"), (2400, 3200))  # 7.7 MP: over the limit
    assert post(client, [jpeg_bytes(big)]).status_code == 413
    large = cv2.resize(photo("bus"), (1620, 2160))  # allowed, downscaled to 1920
    response = post(client, [jpeg_bytes(large)])
    assert response.status_code == 200
    assert any(d["label"] == "bus" for d in response.get_json()["frames"][0]["detections"])


def test_request_body_limit(service_config):
    config = service_config.model_copy(
        update={"limits": service_config.limits.model_copy(update={"max_request_bytes": 10_000})}
    )
    client = create_app(config, load_async=False).test_client()
    response = post(client, [jpeg_bytes(photo("bus"))])
    assert (
        response.status_code == 413
        and "larger than 10000 bytes" in response.get_json()["error"]["message"]
    )


def test_service_without_clip_says_so_and_still_detects(brand_library, bus_jpeg, tmp_path):
    config = ServiceConfig(
        detector=DarknetConfig(),
        clip=ClipConfig(model="ViT-S-32", weights=str(tmp_path / "none" / "clip.pt")),
        logos=LogoConfig(folder=str(brand_library), bucket_prefix=None),
    )
    client = create_app(config, load_async=False).test_client()
    assert "unavailable" in client.get("/readyz").get_json()["clip"]
    body = post(client, [bus_jpeg], {"scene_labels": ["a street"]}).get_json()
    assert body["frames"][0]["scene"] == [] and body["frames"][0]["detections"]
    assert "CLIP unavailable" in body["warnings"][0]


def wait_until(condition, timeout: float = 60.0) -> None:
    """Until ``condition()`` holds: threads get going at the machine's pace, not ours."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


def test_batcher_coalesces_concurrent_jobs_and_bounds_its_queue():
    seen, busy, release = [], threading.Event(), threading.Event()

    def run(payloads):
        seen.append(len(payloads))
        busy.set()
        release.wait(60)  # the first batch holds the worker while the others queue up
        return [p * 2 for p in payloads]

    batcher = DynamicBatcher(run, max_batch=8, max_wait_s=0.05, max_queue=8)
    results = {}
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(i, batcher.submit(i, 1)))
        for i in range(8)
    ]
    threads[0].start()
    assert busy.wait(60)
    for t in threads[1:]:
        t.start()
    wait_until(lambda: batcher.depth == 7)
    release.set()
    for t in threads:
        t.join()
    assert results == {i: i * 2 for i in range(8)}
    assert seen == [1, 7]  # the seven that queued meanwhile share one model call

    batcher.stop()


def test_full_queue_is_refused_at_once():
    busy, release = threading.Event(), threading.Event()

    def run(payloads):
        busy.set()
        release.wait(60)
        return payloads

    batcher = DynamicBatcher(run, max_batch=8, max_wait_s=0, max_queue=8)
    running = threading.Thread(target=batcher.submit, args=("running", 8))
    running.start()
    assert busy.wait(60)  # taken by the worker, which is now busy
    waiting = threading.Thread(target=batcher.submit, args=("waiting", 8))
    waiting.start()
    wait_until(lambda: batcher.depth == 8)  # 8 frames queued: the bound
    with pytest.raises(QueueFull):
        batcher.submit("one too many", 1)
    release.set()
    running.join()
    waiting.join()
    batcher.stop()


def test_concurrent_http_requests_share_batches(service_config, bus_jpeg):
    """A real server (waitress) with concurrent clients: /metrics counts the coalescing."""
    from waitress.server import create_server

    config = service_config.model_copy(
        update={"batching": BatchConfig(max_batch=16, max_wait_ms=50)}
    )
    app = create_app(config, load_async=False)
    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=12)
    threading.Thread(target=server.run, daemon=True).start()
    wait_port(port)
    url = f"http://127.0.0.1:{port}"
    try:
        statuses = []

        def call():
            files = [("frame", ("f.jpg", bus_jpeg, "image/jpeg"))]
            answer = requests.post(f"{url}/v1/analyze", files=files, timeout=300)  # a hang only
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200] * 8
        metrics = requests.get(f"{url}/metrics", timeout=10).text
        values = {
            line.split()[0]: float(line.split()[1])
            for line in metrics.splitlines()
            if line and not line.startswith("#")
        }
        assert values['gpu_requests_total{status="200"}'] == 8
        assert values["gpu_frames_total"] == 8
        assert values["gpu_batches_total"] < 8  # requests were coalesced
        assert values["gpu_batch_requests_sum"] == 8
        assert 'gpu_model_load_seconds{model="detector"}' in values
    finally:
        server.close()


def test_frames_are_decoded_no_larger_than_the_models_need(service_config, bus_jpeg):
    from gpu_service.app import decode_frame

    frame = jpeg_bytes(cv2.resize(photo("bus"), (1280, 720)))
    limits = service_config.limits
    assert decode_frame(frame, 0, limits).shape == (720, 1280, 3)
    assert decode_frame(frame, 0, limits, needed_side=416).shape == (360, 640, 3)
    assert decode_frame(frame, 0, limits, needed_side=1280).shape == (720, 1280, 3)
    assert decode_frame(frame, 0, limits, needed_side=100).shape == (90, 160, 3)
