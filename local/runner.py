"""Start and stop the whole embedded stack as one unit (honcho + local/Procfile).

Used by the demo, the benchmarks and the tests, so they run the stack exactly
as ``make run`` does. Ports can be chosen freely so that a second stack never
collides with one a developer already has running.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gpu_service.config import ServerConfig
from local.ports import StackPorts
from mediacore.settings import IngestSettings, env_names

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# Every port the stack listens on: its own, ingest's (RTMP, hooks) and gpu_service's.
PORT_VARIABLES = (
    *(names[0] for names in env_names(StackPorts).values()),
    env_names(IngestSettings)["rtmp_port"][0],
    env_names(IngestSettings)["rtmp_backend_port"][0],
    env_names(IngestSettings)["port"][0],
    env_names(ServerConfig)["port"][0],
)


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port that is free now and stays free until the caller binds it.

    Not the kernel's pick (bind to port 0): that comes from the ephemeral range, which
    every outgoing connection on the machine also draws from, so a client could take
    the port before our server binds it ("Address already in use", seen in CI). Ports
    below that range are only ever taken by listeners; a random one that binds now is
    free, and none is handed out twice by this process."""
    low, _ = _ephemeral_range()
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(10000, low)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free loopback port between 10000 and {low}")


def stop_process_group(process: subprocess.Popen, sig=signal.SIGINT, timeout=20.0) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Stack:
    """A running embedded stack and the environment that points at it."""

    def __init__(
        self,
        data_dir: Path,
        free_ports: bool = True,
        root: Path = ROOT,
        settings: dict[str, str] | None = None,
    ):
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in PORT_VARIABLES} if free_ports else {}
        self.env = {
            **os.environ,
            **{k: str(v) for k, v in self.ports.items()},
            "MA_DATA_DIR": str(self.data_dir),
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
            **(settings or {}),
        }
        for var in (
            "FIRESTORE_EMULATOR_HOST",
            "PUBSUB_EMULATOR_HOST",
            "STORAGE_EMULATOR_HOST",
            "FIREBASE_AUTH_EMULATOR_HOST",
            "MA_API_DEV_TOKEN",
            "MA_CORS_ORIGINS",
            "MA_PLAYBACK_BASE_URL",
            "MA_METRICS_PORT",
        ):
            self.env.pop(var, None)
        self.log_path = self.data_dir / "honcho.log"
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self.info: dict = {}
        self.root = root

    def start(self, timeout: float = 300.0) -> None:
        """Start and wait until bootstrap says ready; the timeout only bounds a hang (a
        busy machine takes minutes to start the emulators and load the models)."""
        ready = self.data_dir / "stack.json"
        ready.unlink(missing_ok=True)  # left by a stack that was killed
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "honcho"), "-d", str(self.root), "-f", "local/Procfile", "start"],
            cwd=self.root,
            env=self.env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while not ready.exists():
                if self.process.poll() is not None or time.monotonic() - started > timeout:
                    log = self.log_path.read_text()[-4000:]
                    raise RuntimeError(f"stack did not start:\n{log}")
                time.sleep(0.1)
            self.startup_seconds = time.monotonic() - started
            self.info = json.loads(ready.read_text())
            self.client_env = self.info["env"]
        except BaseException:
            self.stop()  # never leave a half-started stack behind
            raise

    def attach(self) -> bool:
        """Use a stack that is already running on this data folder, if it answers."""
        ready = self.data_dir / "stack.json"
        if not ready.exists():
            return False
        info = json.loads(ready.read_text())
        host, port = info["env"]["FIRESTORE_EMULATOR_HOST"].rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
        except OSError:
            return False  # a stale file from a stack that was killed
        self.info, self.client_env = info, info["env"]
        return True

    def stop(self) -> int | None:
        if self.process is None:
            return None  # attached, not ours to stop
        stop_process_group(self.process)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text()

    def export(self) -> None:
        """Point this process's client libraries at the stack."""
        os.environ.update(self.client_env)
        from mediacore.settings import get_settings

        get_settings.cache_clear()
