"""Who may keep publishing, with real nginx-rtmp and ffmpeg publishers: a running publish
is re-checked (nginx-rtmp ``on_update``) and dropped once its key is rotated or its
stream deleted; a second publisher on a live stream is refused and cannot end it."""

from __future__ import annotations

import subprocess

import m3u8
import pytest
from google.cloud import firestore

from local.publisher import publish_pattern
from mediacore.settings import get_settings
from mediacore.streams import StreamRegistry
from tests.integration.helpers import wait_for_snapshot

# The stack re-checks publishers every MA_PUBLISH_RECHECK_S; a dropped publisher must be
# gone well within this (the bound only stops a failing test, it measures nothing).
DROP_BOUND_S = 60.0


@pytest.fixture
def registry(stack_env):
    return StreamRegistry(firestore.Client(project=stack_env.info["project"]))


def rtmp(stack, stream_key: str) -> str:
    return f"{stack.info['rtmp']}/{stream_key}"


def live_publisher(stack, stream_key: str, seconds: int = 150) -> subprocess.Popen:
    """An OBS-like publisher that streams in real time for longer than any test waits."""
    return publish_pattern(rtmp(stack, stream_key), seconds=seconds, gop_frames=60, realtime=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def wait_status(registry, stream_id, status):
    return wait_for_snapshot(registry.ref(stream_id), lambda d: d.get("status") == status)


def wait_uploaded(registry, stream_id, count):
    return wait_for_snapshot(
        registry.ref(stream_id), lambda d: d.get("ingest", {}).get("uploaded", 0) >= count, 60
    )


def recheck_s() -> float:
    return float(getattr(get_settings().ingest, "publish_recheck_s", 10))


def survives_rechecks(registry, stream_id, publisher) -> None:
    """Publishing with a valid key goes on across several re-checks."""
    segments = round(2 * recheck_s() / 2.0) + 2  # 2 s segments spanning two re-checks
    wait_uploaded(registry, stream_id, segments)
    assert publisher.poll() is None, publisher.stderr.read().decode()


def test_rotating_the_key_drops_the_running_publisher(stack_env, registry, stream_id):
    stream = registry.create("Leaked key", stream_id)
    publisher = live_publisher(stack_env, stream.stream_key)
    try:
        wait_status(registry, stream_id, "live")
        survives_rechecks(registry, stream_id, publisher)
        registry.rotate_key(stream_id)
        assert publisher.wait(timeout=DROP_BOUND_S) != 0  # nginx dropped it
        wait_status(registry, stream_id, "ended")
    finally:
        stop(publisher)


def test_deleting_the_stream_drops_the_running_publisher(stack_env, registry, stream_id):
    stream = registry.create("Deleted while live", stream_id)
    publisher = live_publisher(stack_env, stream.stream_key)
    try:
        wait_status(registry, stream_id, "live")
        registry.delete(stream_id)
        assert publisher.wait(timeout=DROP_BOUND_S) != 0
    finally:
        stop(publisher)


def test_a_second_publisher_is_refused_and_cannot_end_the_live_stream(
    stack_env, registry, store, stream_id
):
    stream = registry.create("Twice", stream_id)
    first = live_publisher(stack_env, stream.stream_key, seconds=60)
    second = None
    try:
        wait_status(registry, stream_id, "live")
        before = wait_uploaded(registry, stream_id, 1)["ingest"]["uploaded"]
        second = live_publisher(stack_env, stream.stream_key, seconds=20)
        assert second.wait(timeout=DROP_BOUND_S) != 0  # refused: the key is busy
        # The first publisher streams on, and its stream stays live and open.
        doc = wait_uploaded(registry, stream_id, before + 2)
        assert doc["status"] == "live", doc
        playlist = m3u8.loads(store.read(f"streams/{stream_id}/index.m3u8").decode())
        assert not playlist.is_endlist
        assert first.poll() is None
        # Only the accepted publisher's end ends the stream.
        first.terminate()
        first.wait(timeout=30)
        wait_status(registry, stream_id, "ended")
    finally:
        stop(first)
        if second is not None:
            stop(second)


def test_a_stream_made_before_the_private_record_keeps_its_key(stack_env, registry, stream_id):
    """Streams created by an older version kept the key's hash (and the publisher's
    address) on the browser-readable document: the first use moves them, the key works."""
    from mediacore.streams import Publisher, PublishVerdict, hash_key

    registry.ref(stream_id).set(
        {
            "name": "Old",
            "status": "ended",
            "key_hash": hash_key("old-secret"),
            "ingest": {"publisher": "198.51.100.9", "publishes": 3},
        }
    )
    session = Publisher(instance="i-1", client_id="5", addr="198.51.100.10")
    assert registry.start_publish(stream_id, "wrong", session, 30) is PublishVerdict.REFUSED
    doc = registry.ref(stream_id).get().to_dict()
    assert "key_hash" not in doc and "publisher" not in doc["ingest"]
    assert registry.start_publish(stream_id, "old-secret", session, 30) is PublishVerdict.ACCEPTED
    doc = registry.ref(stream_id).get().to_dict()
    assert doc["status"] == "live" and doc["ingest"]["publishes"] == 4
    assert "198.51.100" not in str(doc)
