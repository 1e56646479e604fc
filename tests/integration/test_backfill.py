"""Backfill on the real stack: planned from the bucket, queued through the Pub/Sub emulator
(or run inline by the CLI), analysed by the stack's function in batch mode, counted once."""

import base64
import json
import os
import subprocess
import sys

import pytest
import requests

from functions.backfill import pubsub_message
from functions.events import ObjectEvent
from local.runner import ROOT
from mediacore.names import parse_segment_object, segment_object
from tests.conftest import LOAD_PROOF_SETTINGS
from tests.integration.helpers import (
    STALE_S,
    WAIT_S,
    counters,
    finished,
    live_metadata,
    segment_ref,
    wait_for_snapshot,
)


def backfill_ref(db, stream_id, backfill_id):
    stream = db.collection("streams").document(stream_id)
    return stream.collection("backfills").document(backfill_id)


def upload_live(store, clip, stream_id, count, behind_s=0.0):
    for seq in range(count):
        store.create(
            segment_object(stream_id, seq),
            clip.segments[seq].read_bytes(),
            metadata=live_metadata(seq, behind_s),
        )


def api_backfill(stack_env, stream_id, body):
    """POST /v1/streams/{id}/backfills: the one HTTP way to start a backfill."""
    return requests.post(
        f"{stack_env.info['api']}/v1/streams/{stream_id}/backfills",
        json=body,
        headers=dev_token(stack_env),
        timeout=WAIT_S,
    )


def dev_token(stack_env):
    return {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}


def register(stack_env, stream_id):
    response = requests.post(
        f"{stack_env.info['api']}/v1/streams",
        json={"name": stream_id, "stream_id": stream_id},
        headers=dev_token(stack_env),
        timeout=WAIT_S,
    )
    assert response.status_code == 201, response.text


def test_backfill_over_http_reanalyses_a_range_in_batch_mode_once(
    db, store, clip, stream_id, stack_env
):
    register(stack_env, stream_id)
    upload_live(store, clip, stream_id, 3)
    live = [wait_for_snapshot(segment_ref(db, stream_id, s), finished) for s in range(3)]
    assert all(doc["mode"] == "realtime" and doc["status"] == "done" for doc in live)

    # media time 2.5-5.0 s overlaps segments 1 [2, 4) and 2 [4, 6)
    response = api_backfill(stack_env, stream_id, {"start": 2.5, "end": 5})
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["segments"] == 2 and queued["status"] == "running"

    progress = wait_for_snapshot(
        backfill_ref(db, stream_id, queued["backfill_id"]),
        lambda doc: doc.get("pending") == {},
    )
    assert progress["segments"] == 2

    for seq in (1, 2):
        doc = segment_ref(db, stream_id, seq).get().to_dict()
        assert doc["mode"] == "batch" and doc["status"] == "done"
        assert doc["revision"] == int(queued["backfill_id"])
        assert len(doc["frames"]) == 10  # 5 fps instead of the keyframe
        assert doc["frames"][0]["t"] == pytest.approx(2.0 * seq, abs=0.01)
    untouched = segment_ref(db, stream_id, 0).get().to_dict()
    assert untouched.get("revision", 0) == 0 and untouched["mode"] == "realtime"

    stream = db.collection("streams").document(stream_id).get().to_dict()
    assert counters(stream["stats"]) == {
        "segments": 3,
        "analyzed": 3,
        "failed": 0,
        "skipped": 0,
    }
    # Object counts moved by the difference: now sum over all frames stored.
    stored = [segment_ref(db, stream_id, s).get().to_dict() for s in range(3)]
    persons = sum(
        1
        for doc in stored
        for frame in doc["frames"]
        for d in frame["detections"]
        if d["label"] == "person" and d["kind"] == "object"
    )
    assert stream.get("objects", {}).get("person", 0) == persons

    before = segment_ref(db, stream_id, 1).get().update_time
    # A redelivered backfill message and a late original event both change nothing.
    name = segment_object(stream_id, 1)
    obj = store.stat(name)
    event = ObjectEvent(
        bucket=store.bucket,
        name=name,
        generation=obj.generation,
        size=obj.size,
        segment=parse_segment_object(name),
        metadata=obj.metadata,
        revision=int(queued["backfill_id"]),
        backfill_id=queued["backfill_id"],
    )
    for revision in (event.revision, 0):
        data, attributes = pubsub_message(event)
        attributes["revision"] = str(revision)
        push = {
            "message": {
                "data": base64.b64encode(data).decode(),
                "attributes": attributes,
                "messageId": f"again-{revision}",
                "publishTime": "2026-11-25T00:00:00Z",
            },
            "subscription": "projects/p/subscriptions/backfill-push",
        }
        assert requests.post(stack_env.info["analyze"], json=push, timeout=WAIT_S).ok
    assert segment_ref(db, stream_id, 1).get().update_time == before


BAD_REQUESTS = [
    ({"start": 0}, 400, "no stored segments"),
    ({"start": 10, "end": 5}, 400, "invalid range"),
    ({"start": "soon"}, 400, "start"),
    ({"start": -1}, 400, "start"),
]


def test_backfill_http_rejects_bad_requests(stack_env, stream_id):
    assert api_backfill(stack_env, stream_id, {"start": 0}).status_code == 404  # no such stream
    register(stack_env, stream_id)
    for body, status, phrase in BAD_REQUESTS:
        response = api_backfill(stack_env, stream_id, body)
        assert response.status_code == status and phrase in response.text, (body, response.text)


def test_cli_backfill_inline_redoes_skipped_segments(db, store, clip, stream_id, stack_env):
    upload_live(store, clip, stream_id, 2, behind_s=STALE_S)  # realtime mode skips both
    for seq in range(2):
        assert wait_for_snapshot(segment_ref(db, stream_id, seq), finished)["status"] == "skipped"

    env = {**os.environ, **LOAD_PROOF_SETTINGS, **stack_env.client_env}
    done = subprocess.run(
        [sys.executable, "-m", "functions", "backfill", stream_id, "--inline"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "completed" and result["finished"] == result["segments"] == 2
    for seq in range(2):
        doc = segment_ref(db, stream_id, seq).get().to_dict()
        assert doc["status"] == "done" and doc["mode"] == "batch"
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert counters(stats) == {"segments": 2, "analyzed": 2, "failed": 0, "skipped": 0}

    nothing = subprocess.run(
        [sys.executable, "-m", "functions", "backfill", stream_id, "--start", "100"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert nothing.returncode == 2 and "no stored segments" in nothing.stderr
