"""A bucket endpoint that refuses connections: every store call gives up within its
deadline instead of the client libraries' default 120 s of retries (issue 15)."""

from __future__ import annotations

import socket
import time

import pytest

from mediacore.storage import GcsStore, S3Store

DEADLINE_S = 1.0
# Far above the deadline (a busy machine), far below the 120 s the libraries retry for.
BOUND_S = 30.0


def refusing_endpoint() -> str:
    """A loopback port nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(params=["gcs", "s3"])
def down_store(request, monkeypatch):
    endpoint = refusing_endpoint()
    if request.param == "gcs":
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", endpoint)
        return GcsStore("down", "media-analyzer-local", endpoint, deadline_s=DEADLINE_S)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return S3Store("down", endpoint, deadline_s=DEADLINE_S)


CALLS = {
    "create": lambda s: s.create("streams/s/segments/00000000.ts", b"x"),
    "put": lambda s: s.put("streams/s/index.m3u8", b"x"),
    "read": lambda s: s.read("streams/s/segments/00000000.ts"),
    "stat": lambda s: s.stat("streams/s/segments/00000000.ts"),
    "list": lambda s: list(s.list("streams/s/")),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_refused_bucket_calls_fail_within_the_deadline(down_store, call):
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - each library has its own connection error
        CALLS[call](down_store)
    assert time.monotonic() - started < BOUND_S
