"""Helpers for the integration tests: Firestore listeners and extra function processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from local.runner import ROOT, free_port, stop_process_group
from tests.conftest import LOAD_PROOF_SETTINGS, wait_port

VENV_BIN = Path(sys.executable).parent
# How long a test waits for something the stack does. It only bounds a hang: a 2-core
# machine running other tests may take a minute for what takes a second when idle, and a
# test must wait for the condition, not assume the speed (DESIGN.md, Tests).
WAIT_S = 180.0
# How far behind live a segment is put when a test wants realtime mode to skip it: beyond
# the session stack's realtime bound (tests/conftest.py), which no slowness reaches.
STALE_S = 2 * 3600.0


def files_holding(secret: str, places: list[Path]) -> list[str]:
    """The files under ``places`` (files or folders) whose bytes contain ``secret``."""
    needle = secret.encode()
    found = []
    for place in places:
        for path in [place] if place.is_file() else place.rglob("*"):
            try:
                if path.is_file() and needle in path.read_bytes():
                    found.append(str(path))
            except OSError:
                continue  # e.g. a fragment removed meanwhile
    return found


def wait_for_snapshot(doc_ref, predicate, timeout: float = WAIT_S) -> dict:
    """Block until a Firestore on_snapshot listener sees a document matching ``predicate``."""
    seen = threading.Event()
    result: dict = {}

    def on_snapshot(snapshots, _changes, _read_time):
        for snapshot in snapshots:
            if snapshot.exists and predicate(snapshot.to_dict()):
                result.update(snapshot.to_dict())
                seen.set()

    watch = doc_ref.on_snapshot(on_snapshot)
    deadline = time.monotonic() + timeout
    try:
        # The emulator's watch stream can miss an update under load (seen in CI: the document
        # had matched for minutes): read the document now and then as well.
        while not seen.wait(2.0):
            current = doc_ref.get()
            if current.exists and predicate(current.to_dict()):
                result.update(current.to_dict())
                break
            if time.monotonic() < deadline:
                continue
            raise AssertionError(
                f"{doc_ref.path} never matched; last seen: "
                f"{current.to_dict() if current.exists else 'missing'}"
            )
    finally:
        watch.unsubscribe()
    return result


def functions_framework_command(target: str, signature: str, port: int) -> list[str]:
    """The command line that serves one function target on a loopback port."""
    return [
        str(VENV_BIN / "functions-framework"),
        "--source",
        str(ROOT / "functions" / "main.py"),
        "--target",
        target,
        "--signature-type",
        signature,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


@contextmanager
def function_process(target: str, env: dict[str, str], signature: str = "cloudevent"):
    """Run one more functions-framework process (own port and settings) for a test."""
    port = free_port()
    process = subprocess.Popen(
        functions_framework_command(target, signature, port),
        env={**os.environ, **LOAD_PROOF_SETTINGS, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(port)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_process_group(process)


def segment_ref(db, stream_id: str, seq: int):
    return (
        db.collection("streams").document(stream_id).collection("segments").document(f"{seq:08d}")
    )


def counters(stats: dict) -> dict:
    """The stream's segment counters (stats also carries latency and lag)."""
    return {k: stats.get(k) for k in ("segments", "analyzed", "failed", "skipped")}


def finished(doc: dict) -> bool:
    return doc.get("status") in ("done", "failed", "skipped")


def live_metadata(seq: int, behind_s: float = 0.0) -> dict:
    """Object metadata as the uploader writes it, for a segment ``behind_s`` behind live."""
    start = datetime.now(UTC) - timedelta(seconds=2.0 + behind_s)
    return {
        "seq": str(seq),
        "duration": "2.000",
        "media_start": f"{2.0 * seq:.3f}",
        "program_date_time": start.isoformat(),
    }
