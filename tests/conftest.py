"""Session fixtures: real local services, started once, checked ready, stopped cleanly.

- ``clip``: H.264 1080p30 HLS segments rendered with ffmpeg (local.sample_media).
- ``stack``: the embedded stack exactly as ``make run`` starts it (honcho +
  local/Procfile), on free ports and a temporary data folder, so it never
  collides with a stack a developer has running.
- ``moto_s3``: moto's S3-compatible server as a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from local.sample_media import make_clip

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def stop_process_group(process: subprocess.Popen, sig=signal.SIGINT, timeout=20.0) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("media") / "clip", seconds_per_image=4.0)


class Stack:
    """A running embedded stack and the environment that points at it."""

    def __init__(self, root: Path, data_dir: Path):
        self.data_dir = data_dir
        self.ports = {
            "MA_FIRESTORE_PORT": free_port(),
            "MA_PUBSUB_PORT": free_port(),
            "MA_GCS_PORT": free_port(),
            "MA_ANALYZE_PORT": free_port(),
        }
        self.env = {
            **os.environ,
            **{k: str(v) for k, v in self.ports.items()},
            "MA_DATA_DIR": str(data_dir),
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        }
        for var in ("FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST"):
            self.env.pop(var, None)
        self.log_path = data_dir / "honcho.log"
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self.info: dict = {}
        self.root = root

    def start(self, timeout: float = 60.0) -> None:
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "honcho"), "-d", str(self.root), "-f", "local/Procfile", "start"],
            cwd=self.root,
            env=self.env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ready = self.data_dir / "stack.json"
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"stack did not start:\n{self.log_path.read_text()[-4000:]}")
            time.sleep(0.1)
        self.startup_seconds = time.monotonic() - started
        self.info = json.loads(ready.read_text())
        self.client_env = self.info["env"]

    def stop(self) -> int:
        assert self.process is not None
        stop_process_group(self.process)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text()

    def use(self, monkeypatch) -> None:
        """Point this process's client libraries at the stack."""
        for key, value in self.client_env.items():
            monkeypatch.setenv(key, value)
        from mediacore.settings import get_settings

        get_settings.cache_clear()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    running = Stack(ROOT, tmp_path_factory.mktemp("stack"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def stack_env(stack, monkeypatch):
    stack.use(monkeypatch)
    yield stack
    from mediacore.settings import get_settings

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
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
