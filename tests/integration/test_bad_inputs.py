"""A corpus of bad inputs through the real path: each ends `failed` with a reason, or is
ignored, and the function stays healthy (a good segment afterwards is analysed)."""

from __future__ import annotations

import base64
import gzip
import io
import json
import subprocess

import pytest
import requests
from google.cloud import firestore

from mediacore.names import segment_object
from mediacore.storage import open_store
from tests import payloads
from tests.integration.helpers import wait_for_snapshot


def ffmpeg_bytes(*args: str) -> bytes:
    out = subprocess.run(
        ["ffmpeg", "-loglevel", "error", *args, "-"], check=True, capture_output=True
    )
    return out.stdout


def tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def corpus(good: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, a phrase the failure reason must contain)."""
    audio = ffmpeg_bytes("-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", "-f", "mpegts")
    mp4 = ffmpeg_bytes(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=d=1:size=320x240",
        "-c:v",
        "libx264",
        "-movflags",
        "frag_keyframe+empty_moov",
        "-f",
        "mp4",
    )
    packets = [good[i : i + 188] for i in range(0, len(good), 188)]
    return {
        "zero-byte": (b"", "empty object"),
        "one-sync-byte": (b"\x47", "truncated MPEG-TS"),
        "truncated-half": (good[: len(good) // 2 + 5], "truncated MPEG-TS"),
        "damaged-keyframe": (good[: 188 * 40], "corrupt or undecodable"),
        "tables-only": (b"".join(packets[:3]), "no"),
        "random-bytes": (bytes(range(256)) * 40, "not an MPEG-TS"),
        "sync-bytes-noise": (b"".join(b"\x47" + bytes([i % 251]) * 187 for i in range(60)), ""),
        "png-image": (tiny_png(), "not an MPEG-TS"),
        "jpeg-image": (b"\xff\xd8\xff\xe0" + b"\0" * 2000, "not an MPEG-TS"),
        "text": (b"hello, this is not video\n" * 20, "not an MPEG-TS"),
        "hls-playlist": (b"#EXTM3U\n#EXTINF:2,\n0.ts\n", "not an MPEG-TS"),
        "gzip": (gzip.compress(good), "not an MPEG-TS"),
        "mp4-container": (mp4, "not an MPEG-TS"),
        "audio-only": (audio, "no video stream"),
        "packets-shuffled": (b"".join(reversed(packets)), ""),
    }


IGNORED_NAMES = [
    "streams/{s}/segments/abc.ts",
    "streams/{s}/seg/00000001.ts",
    "streams/{s}/segments/00000001.ts.tmp",
    "streams/{s}/segments/.00000001.ts",
    "other/{s}/segments/00000001.ts",
    "streams/{s}/segments/00000001.mp4",
]


def test_bad_input_corpus(stack_env, clip, stream_id):
    store, db = open_store(), firestore.Client(project=stack_env.info["project"])
    good = clip.segments[1].read_bytes()
    cases = corpus(good)
    assert len(cases) + len(IGNORED_NAMES) >= 20
    names = sorted(cases)
    for seq, name in enumerate(names):
        store.create(segment_object(stream_id, seq), cases[name][0])
    for pattern in IGNORED_NAMES:
        store.put(pattern.format(s=stream_id), good)
    healthy = len(names)
    store.create(segment_object(stream_id, healthy), good)

    segments = db.collection("streams").document(stream_id).collection("segments")
    for seq, name in enumerate(names):
        doc = wait_for_snapshot(
            segments.document(f"{seq:08d}"), lambda d: d.get("status") in ("done", "failed")
        )
        if name in ("sync-bytes-noise", "packets-shuffled"):
            # Garbage that happens to look like TS: it must not crash anything; if the
            # decoder salvages no frame the reason says so.
            assert doc["status"] == "failed" and doc["error"] or doc["status"] == "done", name
            continue
        assert doc["status"] == "failed", (name, doc)
        assert cases[name][1] in doc["error"], (name, doc["error"])
    after = wait_for_snapshot(
        segments.document(f"{healthy:08d}"), lambda d: d.get("status") == "done"
    )
    assert after["frames"]
    # Ignored objects wrote nothing: only the numbered segments exist.
    assert sorted(d.id for d in segments.stream()) == [f"{i:08d}" for i in range(healthy + 1)]


@pytest.mark.parametrize(
    "body",
    [
        {
            "message": {
                "data": "not base64!!",
                "messageId": "1",
                "attributes": {"eventType": "OBJECT_FINALIZE"},
            },
            "subscription": "s",
        },
        {"message": {"data": "", "messageId": "2", "attributes": {}}, "subscription": "s"},
        {"nonsense": True},
    ],
)
def test_malformed_deliveries_never_hurt_the_function(stack_env, body):
    response = requests.post(stack_env.info["analyze"], json=body, timeout=30)
    assert response.status_code in (200, 400)  # acknowledged or refused, never a 5xx loop
    ok = payloads.pubsub_push(name="streams/x/index.m3u8")
    assert requests.post(stack_env.info["analyze"], json=ok, timeout=30).status_code == 200


def _push(data: str, **attributes) -> dict:
    attributes = {"eventType": "OBJECT_FINALIZE", **attributes}
    return {
        "message": {"data": data, "messageId": "m", "attributes": attributes},
        "subscription": "s",
    }


def _b64(value) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


SEGMENT = "streams/x/segments/00000001.ts"


@pytest.mark.parametrize(
    "body",
    [
        _push(_b64([1, 2]), objectId=SEGMENT),  # JSON, but not an object resource
        _push(_b64(None), objectId=SEGMENT),
        _push(_b64({"bucket": "b", "name": SEGMENT, "size": "big"})),
        _push(_b64({"bucket": "b", "name": SEGMENT, "metadata": ["x"]})),
        _push(_b64({"bucket": "b", "name": 7})),
        _push("", objectId=SEGMENT, revision="latest"),
    ],
)
def test_malformed_segment_events_are_acknowledged(stack_env, body):
    """Each raised inside the function before: a 500, and Pub/Sub's redelivery forever."""
    response = requests.post(stack_env.info["analyze"], json=body, timeout=30)
    assert response.status_code == 200
    ok = payloads.pubsub_push(name="streams/x/index.m3u8")
    assert requests.post(stack_env.info["analyze"], json=ok, timeout=30).status_code == 200
