"""Session fixtures: real local services, started once, checked ready, stopped cleanly.

- ``clip``: H.264 1080p30 HLS segments rendered with ffmpeg (local.sample_media).
- ``stack``: the embedded stack exactly as ``make run`` starts it (local.runner:
  honcho + local/Procfile), on free ports and a temporary data folder, so it
  never collides with a stack a developer has running.
- ``moto_s3``: moto's S3-compatible server as a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid

import pytest

from local.runner import ROOT, VENV_BIN, Stack, free_port, stop_process_group
from local.sample_media import make_clip
from local.services import wait_tcp

TEST_API_KEY = "test-api-key-0123456789"
# No test outcome may depend on the machine's speed: realtime mode skips only segments an
# hour behind live (a test waits far less than that for anything; the skip tests upload
# segments two hours late, helpers.STALE_S), and a call to the model service may take
# minutes while other tests load the CPU. For the stack and every extra function process.
LOAD_PROOF_SETTINGS = {
    "MA_REALTIME_MAX_LAG_SEGMENTS": "1800",
    # Text, then speech, are shed far below the skip bound and far above any slowness.
    "MA_SHED_TEXT_LAG_SEGMENTS": "900",
    "MA_SHED_SPEECH_LAG_SEGMENTS": "1200",
    "MA_GPU_TIMEOUT_S": "300",
}

__all__ = ["ROOT", "Stack", "free_port", "stop_process_group", "wait_port"]


def wait_port(port: int, timeout: float = 120.0) -> None:
    """Until something listens on 127.0.0.1:port (the stack's own readiness check). The
    timeout only bounds a hang: a busy machine may take a minute to start a process."""
    wait_tcp("127.0.0.1", port, timeout)


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("media") / "clip", seconds_per_image=4.0)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    # A short idle timeout keeps the stalled-publisher test quick; short caches the
    # mode-switch and logo-upload tests.
    running = Stack(
        tmp_path_factory.mktemp("stack"),
        settings={
            "MA_DROP_IDLE_PUBLISHER_S": "3",
            # Running publishers re-checked every 3 s: rotated keys drop them quickly, and
            # every ingest test exercises the re-check of a valid key.
            "MA_PUBLISH_RECHECK_S": "3",
            "MA_MODE_CACHE_S": "1",
            "MA_LOGO_REFRESH_S": "1",
            **LOAD_PROOF_SETTINGS,
            # Text and speech cost ~0.85 CPU-s per 2 s segment here: off unless a stream
            # switches them on (tests/integration/test_signals.py, the e2e signal tests).
            "MA_TEXT_DEFAULT": "false",
            "MA_SPEECH_DEFAULT": "false",
            "MA_API_KEYS": json.dumps([TEST_API_KEY]),
        },
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def stack_env(stack, monkeypatch):
    """Point the test process's client libraries at the session stack."""
    for key, value in stack.client_env.items():
        monkeypatch.setenv(key, value)
    from mediacore.settings import get_settings

    get_settings.cache_clear()
    yield stack
    get_settings.cache_clear()


@pytest.fixture
def stream_id() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_port(port)
    yield f"http://127.0.0.1:{port}"
    stop_process_group(process, signal.SIGTERM)


@pytest.fixture
def aws_env(monkeypatch):
    # moto accepts any credentials; these only keep boto3 from looking elsewhere.
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(key, value)
    assert os.environ["AWS_ACCESS_KEY_ID"] == "test"


@pytest.fixture
def db(stack_env):
    from google.cloud import firestore

    return firestore.Client(project=stack_env.info["project"])


@pytest.fixture
def store(stack_env):
    from mediacore.storage import open_store

    return open_store()
