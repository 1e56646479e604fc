"""The brand library can live in the bucket (brands/{brand}/{image}), e.g. uploaded via the API."""

import json
import os
import subprocess
import sys
import time
import uuid

import cv2
import pytest
import requests

from gpu_service.logos import LogoMatcher
from local.runner import free_port, stop_process_group
from mediacore.storage import open_store
from tests import hostile_logos
from tests.logo_scenes import ICONS, jpeg, logo, paste, photo


def test_logo_library_loads_from_the_bucket(stack_env):
    store = open_store()
    prefix = f"brands-{uuid.uuid4().hex[:8]}/"  # other tests upload to the shared brands/
    store.put(
        f"{prefix}starbucks/starbucks.svg",
        (ICONS / "starbucks.svg").read_bytes(),
        content_type="image/svg+xml",
    )
    store.put(f"{prefix}notes.txt", b"not a logo")
    matcher = LogoMatcher()
    assert matcher.load_store(store, prefix) == 1
    assert matcher.brands == ["starbucks"]
    scene, _ = paste(photo("coffee"), logo("starbucks"), (300, 200), 180, 20, 0.2)
    assert [d.label for d in matcher.match(jpeg(scene))] == ["starbucks"]


@pytest.fixture
def library_service(stack_env, tmp_path):
    """A model service of its own on a fresh bucket prefix (the stack's reads brands/)."""
    prefix = f"brands-{uuid.uuid4().hex[:8]}/"
    port = free_port()
    env = {
        **os.environ,
        **stack_env.client_env,
        "MA_GPU_SERVICE_PORT": str(port),
        "MA_LOGO_BUCKET_PREFIX": prefix,
        "MA_LOGO_LIBRARY": str(tmp_path / "no-folder"),
        "MA_LOGO_REFRESH_S": "0",  # rebuilt when a request's library_version moves
        "MA_DETECTOR": "darknet",
        "MA_CLIP_ENABLED": "false",
    }
    log = (tmp_path / "gpu.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gpu_service"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    yield process, url, prefix, tmp_path / "gpu.log"
    stop_process_group(process)


def wait_ready(process, url, log, timeout=300.0) -> dict:
    """/readyz once the library is loaded; a process that died fails at once, with its log.
    The deadline only bounds a hang (a busy machine may take a minute to load models)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, (
            f"the model service died ({process.returncode}):\n" + (log.read_text()[-3000:])
        )
        try:
            ready = requests.get(f"{url}/readyz", timeout=10)
            if ready.status_code == 200:
                return ready.json()
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the model service was not ready in {timeout} s:\n{log.read_text()}")


def analyze(url, image, version: str) -> dict:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    tasks = {"objects": False, "library_version": version}
    answer = requests.post(
        f"{url}/v1/analyze",
        files=[("frame", ("f.jpg", data.tobytes(), "image/jpeg"))],
        data={"tasks": json.dumps(tasks)},
        timeout=300,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_bad_objects_put_straight_into_the_bucket_are_refused_alone(library_service, tmp_path):
    """Objects that bypass the API (a script, a console upload): a crash loop, once. Each bad
    one is refused alone, with its reason in /readyz and in every answer's warnings; the
    service stays up, and logos added later still load."""
    process, url, prefix, log = library_service
    store = open_store()
    secret = tmp_path / "server-side.png"
    cv2.imwrite(str(secret), logo("cocacola")[..., [2, 1, 0, 3]])
    bad = hostile_logos.corpus(str(secret))
    bad["giant.png"] = (b"\x89PNG" + bytes(17 * 2**20), "logo files are at most")  # never read
    for name, (data, _) in bad.items():
        store.put(f"{prefix}bad/{name}", data)
    store.put(f"{prefix}starbucks/latin1.svg", hostile_logos.latin1_svg())
    ready = wait_ready(process, url, log)
    assert ready["logos"]["brands"] == ["starbucks"]
    rejected = ready["logos"]["rejected"]
    assert set(rejected) == {f"bad/{name}" for name in bad}
    for name, (_, why) in bad.items():
        assert why in rejected[f"bad/{name}"], (name, rejected)
    scene, _ = paste(photo("coffee"), logo("starbucks"), (300, 200), 180, 20, 0.2)
    body = analyze(url, jpeg(scene), "1")
    assert [d["label"] for d in body["frames"][0]["detections"]] == ["starbucks"]
    assert sum(f"logo reference bad/{name} is not used" in w for w in body["warnings"]
               for name in bad) == len(bad)  # fmt: skip

    # Later: one more good logo and one more crasher; the next version rebuilds the library.
    store.put(f"{prefix}redbull/redbull.svg", (ICONS / "redbull.svg").read_bytes())
    store.put(f"{prefix}bad/tall-again.svg", hostile_logos.tall_svg())
    scene, _ = paste(photo("coffee"), logo("redbull"), (300, 200), 200, -10, 0.1)
    body = analyze(url, jpeg(scene), "2")
    assert process.poll() is None
    assert [d["label"] for d in body["frames"][0]["detections"]] == ["redbull"]
    ready = wait_ready(process, url, log)
    assert ready["logos"]["brands"] == ["redbull", "starbucks"]
    assert "times longer than it is high" in ready["logos"]["rejected"]["bad/tall-again.svg"]
