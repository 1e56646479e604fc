"""The control API as the stack runs it (functions-framework `api` target), end to end.

Credentials come from the real places: the stack's development token, an API key
from settings, and Firebase ID tokens issued by the Auth emulator.
"""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import requests
from PIL import Image

from mediacore.names import segment_object
from tests import hostile_logos
from tests.conftest import TEST_API_KEY, wait_port
from tests.integration.helpers import (
    STALE_S,
    WAIT_S,
    files_holding,
    finished,
    live_metadata,
    segment_ref,
    wait_for_snapshot,
)
from tests.logo_scenes import ICONS, logo, paste, photo


@pytest.fixture
def api(stack_env):
    return stack_env.info["api"]


@pytest.fixture
def dev(stack_env):
    return {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}


def create_stream(api, headers, stream_id, **extra):
    response = requests.post(
        f"{api}/v1/streams",
        json={"name": f"Test {stream_id}", "stream_id": stream_id, **extra},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def on_publish(stack, stream_id, key):
    """What nginx-rtmp asks the ingest when OBS starts publishing."""
    response = requests.post(
        f"{stack.info['ingest']}rtmp/on_publish",
        data={"call": "publish", "name": stream_id, "key": key, "addr": "127.0.0.1"},
        timeout=30,
    )
    return response.status_code


def assert_error(response, code):
    assert response.status_code == code, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and "status" in error
    return error


# --- the OpenAPI document ----------------------------------------------------------------
def test_openapi_document_is_valid_and_covers_every_route(api):
    from openapi_spec_validator import validate

    document = requests.get(f"{api}/v1/openapi.json", timeout=30).json()
    validate(document)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    expected = {
        ("POST", "/v1/streams"),
        ("GET", "/v1/streams"),
        ("GET", "/v1/streams/{stream_id}"),
        ("PATCH", "/v1/streams/{stream_id}"),
        ("DELETE", "/v1/streams/{stream_id}"),
        ("POST", "/v1/streams/{stream_id}/rotate-key"),
        ("POST", "/v1/streams/{stream_id}/backfills"),
        ("GET", "/v1/streams/{stream_id}/backfills/{backfill_id}"),
        ("GET", "/v1/streams/{stream_id}/summary"),
        ("GET", "/v1/streams/{stream_id}/playlist.m3u8"),
        ("GET", "/v1/streams/{stream_id}/segments/{segment}"),
        ("GET", "/v1/streams/{stream_id}/evidence/{seq}/{brand}"),
        ("GET", "/v1/streams/{stream_id}/timeline"),
        ("GET", "/v1/streams/{stream_id}/appearances.csv"),
        ("GET", "/v1/streams/{stream_id}/brands.csv"),
        ("GET", "/v1/streams/{stream_id}/report"),
        ("GET", "/v1/streams/{stream_id}/recording.m3u8"),
        ("GET", "/v1/brands/{brand_id}/logos/{logo_id}"),
        ("GET", "/v1/brands"),
        ("GET", "/v1/brands/{brand_id}"),
        ("PUT", "/v1/brands/{brand_id}"),
        ("DELETE", "/v1/brands/{brand_id}"),
        ("GET", "/v1/brands/{brand_id}/logos"),
        ("POST", "/v1/brands/{brand_id}/logos"),
        ("DELETE", "/v1/brands/{brand_id}/logos/{logo_id}"),
        ("PATCH", "/v1/brands/{brand_id}"),
        ("GET", "/v1/catalogue"),
        ("GET", "/v1/catalogue/status"),
        ("GET", "/v1/catalogue/{slug}.svg"),
        ("POST", "/v1/brands/{brand_id}/logos/catalogue/{slug}"),
    }
    assert documented == expected
    assert set(document["components"]["securitySchemes"]) == {"apiKey", "bearer"}


# --- streams --------------------------------------------------------------------------------
def test_stream_lifecycle_with_key_rotation(api, dev, stack_env, stream_id):
    created = create_stream(api, dev, stream_id)
    key = created["stream_key"]
    assert key.startswith(f"{stream_id}?key=") and created["rtmp_url"].startswith("rtmp://")
    assert created["obs"] == {
        "service": "Custom...",
        "server": created["rtmp_url"],
        "stream_key": key,
        "keyframe_interval_s": 2,
    }
    assert created["stream"]["status"] == "idle" and created["stream"]["mode"] == "realtime"

    shown = requests.get(f"{api}/v1/streams/{stream_id}", headers=dev, timeout=30).json()
    assert shown["name"] == f"Test {stream_id}"
    assert "key_hash" not in shown and "stream_key" not in shown

    secret = key.split("?key=")[1]
    assert on_publish(stack_env, stream_id, secret) == 200
    rotated = requests.post(f"{api}/v1/streams/{stream_id}/rotate-key", headers=dev, timeout=30)
    assert rotated.status_code == 200
    new_secret = rotated.json()["stream_key"].split("?key=")[1]
    assert new_secret != secret
    assert on_publish(stack_env, stream_id, secret) == 403  # the old key is refused
    assert on_publish(stack_env, stream_id, new_secret) == 200

    renamed = requests.patch(
        f"{api}/v1/streams/{stream_id}", json={"name": "Renamed"}, headers=dev, timeout=30
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"

    assert (
        requests.delete(f"{api}/v1/streams/{stream_id}", headers=dev, timeout=30).status_code == 204
    )
    assert_error(requests.get(f"{api}/v1/streams/{stream_id}", headers=dev, timeout=30), 404)
    assert on_publish(stack_env, stream_id, new_secret) == 403  # deleted: cannot publish

    # Every process of the stack logs to one file: no key or token may be in it.
    logged = stack_env.log_path.read_text()
    assert stream_id in logged  # the publish attempts were logged...
    for secret_value in (secret, new_secret, stack_env.info["api_dev_token"]):
        assert secret_value not in logged  # ...without their secrets
    for secret_value in (secret, new_secret):  # nor is a key in any file the stack keeps
        assert files_holding(secret_value, [Path(stack_env.info["data_dir"])]) == []


def test_stream_list_is_paginated(api, dev, stream_id):
    ids = [f"{stream_id}-{i}" for i in range(3)]
    for one in ids:
        create_stream(api, dev, one)
    seen, token, pages = [], None, 0
    while True:
        params = {"page_size": 2, **({"page_token": token} if token else {})}
        page = requests.get(f"{api}/v1/streams", params=params, headers=dev, timeout=30).json()
        pages += 1
        assert len(page["streams"]) <= 2
        seen += [s["stream_id"] for s in page["streams"]]
        token = page["next_page_token"]
        if not token:
            break
    assert pages >= 2 and seen == sorted(seen) and len(seen) == len(set(seen))
    assert set(ids) <= set(seen)
    bad = requests.get(f"{api}/v1/streams", params={"page_token": "%%%"}, headers=dev, timeout=30)
    assert_error(bad, 400)


def test_request_errors_have_one_shape(api, dev, stream_id):
    create_stream(api, dev, stream_id)
    duplicate = requests.post(
        f"{api}/v1/streams", json={"name": "x", "stream_id": stream_id}, headers=dev, timeout=30
    )
    assert_error(duplicate, 409)
    unknown_field = requests.post(
        f"{api}/v1/streams", json={"name": "x", "admin": True}, headers=dev, timeout=30
    )
    error = assert_error(unknown_field, 400)
    assert error["details"] and error["details"][0]["field"] == "admin"
    bad_mode = requests.patch(
        f"{api}/v1/streams/{stream_id}", json={"mode": "turbo"}, headers=dev, timeout=30
    )
    assert assert_error(bad_mode, 400)["details"][0]["field"] == "mode"
    for path in ("/v1/streams/UPPER", "/v1/streams/..%2Fetc", "/v1/streams/-x"):
        response = requests.get(f"{api}{path}", headers=dev, timeout=30)
        assert response.status_code in (400, 404), path
        assert "error" in response.json()
    assert_error(requests.get(f"{api}/v1/streams/nope-{stream_id}", headers=dev, timeout=30), 404)
    assert_error(requests.put(f"{api}/v1/streams/{stream_id}", headers=dev, timeout=30), 405)
    huge = requests.post(
        f"{api}/v1/streams",
        data=b"{" + b" " * (9 * 2**20) + b"}",
        headers={**dev, "Content-Type": "application/json"},
        timeout=60,
    )
    assert_error(huge, 413)
    not_json = requests.post(
        f"{api}/v1/streams",
        data="name=x",
        headers={**dev, "Content-Type": "text/plain"},
        timeout=30,
    )
    assert not_json.status_code in (400, 415) and "error" in not_json.json()


# --- auth -------------------------------------------------------------------------------
def firebase_token(stack, email: str, admin: bool) -> str:
    """Sign a user up in the Auth emulator (with the admin or the viewer claim) and sign in."""
    base = f"http://{stack.info['auth']}/identitytoolkit.googleapis.com/v1"
    wait_port(int(stack.info["auth"].rsplit(":", 1)[1]), timeout=90)
    deadline = time.monotonic() + 60
    while True:
        try:
            signup = requests.post(
                f"{base}/accounts:signUp?key=fake",
                json={"email": email, "password": "secret-123", "returnSecureToken": True},
                timeout=10,
            )
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "Auth emulator never answered"
            time.sleep(1)
    signup.raise_for_status()
    claims = '{"admin": true}' if admin else '{"viewer": true}'  # signing in alone grants nothing
    requests.post(
        f"{base}/projects/{stack.info['project']}/accounts:update",
        json={"localId": signup.json()["localId"], "customAttributes": claims},
        headers={"Authorization": "Bearer owner"},
        timeout=10,
    ).raise_for_status()
    signin = requests.post(
        f"{base}/accounts:signInWithPassword?key=fake",
        json={"email": email, "password": "secret-123", "returnSecureToken": True},
        timeout=10,
    )
    signin.raise_for_status()
    return signin.json()["idToken"]


def test_credentials_required_and_roles_enforced(api, stack_env, stream_id):
    streams = f"{api}/v1/streams"
    body = {"name": "auth test"}
    assert_error(requests.get(streams, timeout=30), 401)
    assert_error(requests.post(streams, json=body, timeout=30), 401)
    assert_error(requests.get(streams, headers={"X-API-Key": "wrong"}, timeout=30), 401)
    assert_error(requests.get(streams, headers={"Authorization": "Bearer junk"}, timeout=30), 401)
    assert_error(requests.get(streams, headers={"Authorization": "Basic eDp5"}, timeout=30), 401)

    key = {"X-API-Key": TEST_API_KEY}
    assert requests.get(streams, headers=key, timeout=30).status_code == 200
    create_stream(api, key, f"{stream_id}-k")

    viewer = {"Authorization": f"Bearer {firebase_token(stack_env, f'v-{stream_id}@x.io', False)}"}
    assert requests.get(streams, headers=viewer, timeout=30).status_code == 200
    assert_error(requests.post(streams, json=body, headers=viewer, timeout=30), 403)
    assert_error(requests.delete(f"{streams}/{stream_id}-k", headers=viewer, timeout=30), 403)

    admin = {"Authorization": f"Bearer {firebase_token(stack_env, f'a-{stream_id}@x.io', True)}"}
    create_stream(api, admin, f"{stream_id}-a")


def test_public_read_opens_reads_only(stack_env, stream_id):
    from tests.integration.helpers import function_process

    env = {**stack_env.client_env, "MA_API_PUBLIC_READ": "true"}
    with function_process("api", env, signature="http") as url:
        base = url.rstrip("/")
        assert requests.get(f"{base}/v1/streams", timeout=30).status_code == 200
        assert_error(requests.post(f"{base}/v1/streams", json={"name": "x"}, timeout=30), 401)
        wrong = requests.get(f"{base}/v1/streams", headers={"X-API-Key": "no"}, timeout=30)
        assert_error(wrong, 401)  # a wrong credential is refused even when reads are public


# --- modes, backfill, summary, brands and logos ------------------------------------------------
def test_mode_switch_through_the_api_is_seen_by_the_analyzer(api, dev, db, store, clip, stream_id):
    create_stream(api, dev, stream_id, mode="realtime")
    switched = requests.patch(
        f"{api}/v1/streams/{stream_id}", json={"mode": "batch"}, headers=dev, timeout=30
    )
    assert switched.json()["mode"] == "batch"
    time.sleep(1.5)  # the stack's functions cache a stream's mode for 1 s
    store.create(
        segment_object(stream_id, 0), clip.segments[0].read_bytes(), metadata=live_metadata(0)
    )
    doc = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    assert doc["mode"] == "batch" and len(doc["frames"]) == 10


def test_backfill_through_the_api_is_queued_and_completes(api, dev, db, store, clip, stream_id):
    create_stream(api, dev, stream_id)
    for seq in range(2):
        store.create(
            segment_object(stream_id, seq),
            clip.segments[seq].read_bytes(),
            metadata=live_metadata(seq, behind_s=STALE_S),  # realtime mode skips them
        )
        wait_for_snapshot(segment_ref(db, stream_id, seq), finished)
    queued = requests.post(
        f"{api}/v1/streams/{stream_id}/backfills", json={"start": 0}, headers=dev, timeout=WAIT_S
    )
    assert queued.status_code == 202, queued.text
    backfill = queued.json()
    assert backfill["segments"] == 2
    url = f"{api}/v1/streams/{stream_id}/backfills/{backfill['backfill_id']}"
    deadline = time.monotonic() + WAIT_S
    while (status := requests.get(url, headers=dev, timeout=30).json())["status"] != "completed":
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    assert status["finished"] == 2
    summary = requests.get(f"{api}/v1/streams/{stream_id}/summary", headers=dev, timeout=30).json()
    assert summary["stats"]["analyzed"] == 2 and summary["stats"]["skipped"] == 0
    assert summary["analysed_seconds"] == pytest.approx(4.0, abs=0.1)
    empty = requests.post(
        f"{api}/v1/streams/{stream_id}/backfills", json={"start": 500}, headers=dev, timeout=30
    )
    assert "no stored segments" in assert_error(empty, 400)["message"]
    assert_error(requests.get(f"{url}9", headers=dev, timeout=30), 404)


def logo_segment(tmp_path, brand: str) -> bytes:
    """A 2 s 720p H.264 segment of a photo with ``brand``'s logo on it."""
    scene, _ = paste(photo("coffee"), logo(brand), (300, 200), 220)
    frame = tmp_path / "scene.png"
    cv2.imwrite(str(frame), cv2.cvtColor(cv2.resize(scene, (1280, 720)), cv2.COLOR_RGB2BGR))
    out = tmp_path / "scene.ts"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-loop",
            "1",
            "-i",
            str(frame),
            "-t",
            "2",
            "-r",
            "30",
            "-c:v",
            "libx264",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "mpegts",
            str(out),
        ],
        check=True,
    )
    return out.read_bytes()


def test_brand_with_uploaded_logo_is_found_and_summarised(api, dev, db, store, stream_id, tmp_path):
    brand = "starbucks"
    put = requests.put(
        f"{api}/v1/brands/{brand}", json={"name": "Starbucks"}, headers=dev, timeout=30
    )
    assert put.status_code in (200, 201) and put.json()["name"] == "Starbucks"
    svg = (ICONS / f"{brand}.svg").read_bytes()
    # Other tests of the session may have given this brand other references already.
    before = requests.get(f"{api}/v1/brands/{brand}/logos", headers=dev, timeout=30).json()
    before_ids = {x["logo_id"] for x in before["logos"]}
    upload = requests.post(
        f"{api}/v1/brands/{brand}/logos",
        files={"file": ("logo.svg", svg, "image/svg+xml")},
        headers=dev,
        timeout=WAIT_S,  # the model service checks every upload
    )
    assert upload.status_code == 201, upload.text
    logo_id = upload.json()["logo_id"]
    assert upload.json()["object"] == f"brands/{brand}/{logo_id}"
    again = requests.post(
        f"{api}/v1/brands/{brand}/logos",
        files={"file": ("x.svg", svg)},
        headers=dev,
        timeout=WAIT_S,
    )
    assert again.json()["logo_id"] == logo_id  # content-addressed: stored once
    listed = requests.get(f"{api}/v1/brands/{brand}/logos", headers=dev, timeout=30).json()
    listed_ids = [x["logo_id"] for x in listed["logos"]]
    assert sorted(listed_ids) == sorted(before_ids | {logo_id})  # stored once
    brands = requests.get(f"{api}/v1/brands", headers=dev, timeout=30).json()["brands"]
    (listed_brand,) = [b for b in brands if b["brand_id"] == brand]
    assert (listed_brand["name"], listed_brand["logos"]) == ("Starbucks", len(listed_ids))

    # No waiting: the upload moved the library's version, the next segment carries it.
    create_stream(api, dev, stream_id)
    store.create(
        segment_object(stream_id, 0), logo_segment(tmp_path, brand), metadata=live_metadata(0)
    )
    doc = wait_for_snapshot(segment_ref(db, stream_id, 0), finished)
    logos = [d for f in doc["frames"] for d in f["detections"] if d["kind"] == "logo"]
    assert brand in {d["label"] for d in logos}, doc["frames"]

    summary = requests.get(f"{api}/v1/streams/{stream_id}/summary", headers=dev, timeout=30).json()
    top = summary["brands"][0]
    assert top["brand"] == brand and top["seconds"] == pytest.approx(2.0, abs=0.05)
    assert top["share_of_voice"] == 1.0 and top["screen_share"] == pytest.approx(1.0, abs=0.03)
    # The appearance, with its evidence: where it was largest, its clearest frame.
    (appearance,) = [a for a in summary["appearances"] if a["brand"] == brand]
    assert appearance["source"] == "logo" and appearance["seconds"] > 0
    assert appearance["start"] <= appearance["best_frame_t"] < appearance["end"]
    assert len(appearance["peak_box"]) == 4 and 0 < appearance["peak_size"] <= 1


def test_logo_uploads_are_validated_and_deletable(api, dev):
    brand = "logo-check"
    assert requests.put(f"{api}/v1/brands/{brand}", json={"name": "L"}, headers=dev, timeout=30).ok
    logos = f"{api}/v1/brands/{brand}/logos"
    for name, data in (
        ("notes.txt", b"hello"),
        ("bomb.svg", b"<svg><unclosed></svg>"),
        ("tiny.png", cv2.imencode(".png", photo("coffee")[:4, :4])[1].tobytes()),
        ("page.xml", b"<?xml version='1.0'?><html/>"),
        ("empty.png", b""),
    ):
        response = requests.post(logos, files={"file": (name, data)}, headers=dev, timeout=WAIT_S)
        assert_error(response, 400)
    assert_error(requests.post(logos, headers=dev, timeout=WAIT_S), 400)  # no file at all
    # Images the detector cannot use are refused with the reason, never stored silently:
    # a blank one (nothing stands out) and a hairline (too thin to tell from a line).
    blank = np.full((120, 160, 3), 200, np.uint8)
    hairline = np.full((200, 600, 3), 255, np.uint8)
    hairline[99:101, 20:580] = 0
    for image, why in ((blank, "no logo found"), (hairline, "times longer than it is high")):
        png = cv2.imencode(".png", image)[1].tobytes()
        refused = requests.post(logos, files={"file": ("x.png", png)}, headers=dev, timeout=WAIT_S)
        assert_error(refused, 422)
        assert "cannot be used" in refused.json()["error"]["message"]
        assert why in refused.json()["error"]["message"]
    photo_png = cv2.imencode(".png", photo("coffee"))[1].tobytes()
    # Two references of one brand (variants in two colours), each with the check's verdict.
    made = []
    for colour in ((40, 40, 200), (20, 160, 60)):
        png = cv2.imencode(".png", logo("starbucks", colour=colour)[..., [2, 1, 0, 3]])[1]
        answer = requests.post(
            logos, files={"file": ("c.png", png.tobytes())}, headers=dev, timeout=WAIT_S
        )
        assert answer.status_code == 201, answer.text
        check = answer.json()["check"]
        assert check["usable"] and check["found"] >= 2 and check["quality"] != "unusable"
        made.append(answer.json())
    listed = requests.get(logos, headers=dev, timeout=30).json()["logos"]
    assert {x["logo_id"] for x in listed} == {m["logo_id"] for m in made}
    assert all(x["check"]["usable"] for x in listed)
    # Each stored reference is served back for the dashboard's thumbnails, as an image.
    image = requests.get(f"{logos}/{made[0]['logo_id']}", headers=dev, timeout=30)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert cv2.imdecode(np.frombuffer(image.content, np.uint8), cv2.IMREAD_UNCHANGED).size
    assert_error(requests.get(f"{logos}/{'0' * 16}.png", headers=dev, timeout=30), 404)
    assert requests.get(f"{logos}/{made[0]['logo_id']}", timeout=30).status_code == 401
    made = made[0]
    png = photo_png
    assert made["logo_id"].endswith(".png")
    gone = requests.delete(f"{logos}/{made['logo_id']}", headers=dev, timeout=30)
    assert gone.status_code == 204
    assert_error(requests.delete(f"{logos}/{made['logo_id']}", headers=dev, timeout=30), 404)
    assert_error(
        requests.post(
            f"{api}/v1/brands/nobody/logos", files={"file": ("c.png", png)}, headers=dev, timeout=30
        ),
        404,
    )
    assert requests.delete(f"{api}/v1/brands/{brand}", headers=dev, timeout=30).status_code == 204
    assert_error(requests.get(f"{api}/v1/brands/{brand}", headers=dev, timeout=30), 404)


def test_hostile_logo_files_are_refused_at_upload_and_the_model_service_stays_up(
    api, dev, stack_env, store, tmp_path
):
    """SVGs that crashed the model service (a 1:100000 canvas, deep nesting), one that
    reads a file off the server, and files that are not what they claim: each refused
    with 400 and its reason; the model service is up afterwards and takes a good logo."""
    brand = "hostile-logos"
    assert requests.put(f"{api}/v1/brands/{brand}", json={"name": "H"}, headers=dev, timeout=30).ok
    logos = f"{api}/v1/brands/{brand}/logos"
    secret = tmp_path / "server-side.png"  # a usable logo, but a file of the server's
    cv2.imwrite(str(secret), logo("cocacola")[..., [2, 1, 0, 3]])
    for name, (data, why) in hostile_logos.corpus(str(secret)).items():
        refused = requests.post(logos, files={"file": (name, data)}, headers=dev, timeout=WAIT_S)
        assert_error(refused, 400)
        assert why in refused.json()["error"]["message"], (name, refused.text)
    gpu = stack_env.client_env["MA_GPU_SERVICE_URL"]
    assert requests.get(f"{gpu}/healthz", timeout=30).ok
    # A valid SVG in ISO-8859-1 is a logo like any other; SVGs are stored as a bounded PNG.
    latin1 = requests.post(
        logos, files={"file": ("l.svg", hostile_logos.latin1_svg())}, headers=dev, timeout=WAIT_S
    )
    assert latin1.status_code == 201, latin1.text
    stored = latin1.json()
    assert stored["logo_id"].endswith(".png") and stored["content_type"] == "image/png"
    with Image.open(io.BytesIO(store.read(stored["object"]))) as image:
        assert image.format == "PNG" and max(image.size) == 400
    good = (ICONS / "cocacola.svg").read_bytes()
    again = requests.post(logos, files={"file": ("c.svg", good)}, headers=dev, timeout=WAIT_S)
    assert again.status_code == 201 and again.json()["check"]["usable"], again.text
    listed = requests.get(logos, headers=dev, timeout=30).json()["logos"]
    assert {x["logo_id"] for x in listed} == {stored["logo_id"], again.json()["logo_id"]}
    assert requests.delete(f"{api}/v1/brands/{brand}", headers=dev, timeout=30).status_code == 204


# --- playback -----------------------------------------------------------------------------
PLAYLIST = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T10:00:00.000Z
#EXTINF:2.000,
segments/00000000.ts
#EXTINF:2.000,
../../other/segments/00000001.ts
"""


def test_playlist_serves_private_segments_through_the_api(api, dev, store, clip, stream_id):
    from mediacore.names import playlist_object

    create_stream(api, dev, stream_id)
    url = f"{api}/v1/streams/{stream_id}/playlist.m3u8"
    assert_error(requests.get(url, headers=dev, timeout=30), 404)  # nothing published yet
    data = clip.segments[0].read_bytes()
    store.put(segment_object(stream_id, 0), data)
    store.put(playlist_object(stream_id), PLAYLIST.encode())
    response = requests.get(url, headers=dev, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    uris = [line for line in response.text.splitlines() if line and not line.startswith("#")]
    # fake-gcs-server cannot sign: the API serves the segment itself; foreign paths are dropped.
    assert uris == ["segments/00000000.ts"]
    segment = requests.get(f"{api}/v1/streams/{stream_id}/{uris[0]}", headers=dev, timeout=30)
    assert segment.status_code == 200 and segment.content == data
    assert segment.headers["Content-Type"] == "video/mp2t"
    assert_error(requests.get(f"{api}/v1/streams/{stream_id}/{uris[0]}", timeout=30), 401)
    missing = requests.get(f"{api}/v1/streams/{stream_id}/segments/00000009.ts", headers=dev)
    assert_error(missing, 404)


def test_playlist_on_a_private_s3_bucket_uses_presigned_urls(
    stack_env, clip, stream_id, moto_s3, aws_env
):
    from mediacore.names import playlist_object
    from mediacore.storage import S3Store
    from tests.integration.helpers import function_process

    bucket = f"private-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    data = clip.segments[0].read_bytes()
    s3.put(segment_object(stream_id, 0), data)
    s3.put(playlist_object(stream_id), PLAYLIST.encode())
    env = {
        **stack_env.client_env,
        "MA_BUCKET_URL": f"s3://{bucket}",
        "MA_S3_ENDPOINT_URL": moto_s3,
        "MA_API_DEV_TOKEN": "s3-token",
    }
    headers = {"Authorization": "Bearer s3-token"}
    with function_process("api", env, signature="http") as url:
        create_stream(url.rstrip("/"), headers, stream_id)
        playlist = requests.get(
            f"{url}v1/streams/{stream_id}/playlist.m3u8", headers=headers, timeout=30
        )
    uris = [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
    assert len(uris) == 1 and "X-Amz-Signature=" in uris[0] and "X-Amz-Expires=600" in uris[0]
    assert requests.get(uris[0], timeout=30).content == data  # fetchable with no credential
    unsigned = requests.get(uris[0].split("?")[0], timeout=30)
    assert unsigned.status_code == 403  # the bucket itself stays private


def test_cors_allows_the_dashboard_origin_only(api, stack_env):
    origin = stack_env.info["dashboard"].rstrip("/")
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    ok = requests.options(f"{api}/v1/streams", headers={"Origin": origin, **preflight}, timeout=30)
    assert ok.headers.get("Access-Control-Allow-Origin") == origin
    assert "authorization" in ok.headers.get("Access-Control-Allow-Headers", "").lower()
    evil = requests.options(
        f"{api}/v1/streams", headers={"Origin": "http://evil.example", **preflight}, timeout=30
    )
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_a_recording_plays_every_kept_segment(api, dev, stream_id, store, clip):
    """Before: only the live playlist existed, and it keeps the last ~60 s, so an ended
    stream's recording played its final minute only (History / analyst review)."""
    import m3u8

    from mediacore.names import segment_object

    create_stream(api, dev, stream_id)
    url = f"{api}/v1/streams/{stream_id}/recording.m3u8"
    assert_error(requests.get(url, headers=dev, timeout=30), 404)  # nothing recorded yet
    for seq in (0, 1, 3):  # 2 was dropped by the ingest
        store.create(
            segment_object(stream_id, seq), clip.segments[seq % len(clip.segments)].read_bytes()
        )
    response = requests.get(url, headers=dev, timeout=30)
    assert response.status_code == 200, response.text
    playlist = m3u8.loads(response.text, uri=url)
    assert playlist.playlist_type == "vod" and playlist.is_endlist
    assert [s.uri for s in playlist.segments] == [f"segments/{seq:08d}.ts" for seq in (0, 1, 3)]
    assert [s.discontinuity for s in playlist.segments] == [False, False, True]
    assert all(0 < s.duration <= playlist.target_duration for s in playlist.segments)
    first = requests.get(playlist.segments[2].absolute_uri, headers=dev, timeout=30)
    assert first.status_code == 200 and first.content == clip.segments[3].read_bytes()
    assert requests.get(url, timeout=30).status_code == 401
