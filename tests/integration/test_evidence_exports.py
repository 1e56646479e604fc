"""Evidence frames and the analyst's exports (issue 17) on the real stack: a registered
logo held up in a segment is found by the model service, its best frame is stored as a
JPEG beside the segment, served by the API, listed in the CSV exports and printed in the
report, and deleted with the stream.

Stands in for an analyst's session: the dashboard's appearance list (thumbnails), the
share-of-voice chart (timeline), "Export CSV" and "Print report", signed in as a viewer.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import subprocess
import time

import cv2
import pytest
import requests
from PIL import Image

from functions.appearances import summarise
from mediacore.names import evidence_object, evidence_prefix, segment_object
from tests.integration.helpers import (
    WAIT_S,
    finished,
    live_metadata,
    segment_ref,
    wait_for_snapshot,
)
from tests.integration.test_api_access import user_token
from tests.logo_scenes import ICONS, logo, paste, photo

# Two glyphs the upload check rates "good" (found in 6+ of its 8 scenes). Debian, rated
# "fair" (4 of 8), was missed in a full-suite run once the library held the e2e tests'
# brands too: this test is about evidence, not about the matcher's recall.
BRANDS = ("starbucks", "mastodon")
ROUTES = ("timeline", "appearances.csv", "brands.csv", "report")


@pytest.fixture
def api(stack_env):
    return stack_env.info["api"]


@pytest.fixture
def dev(stack_env):
    return {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}


def scene_segment(tmp_path, brands: tuple[str, ...]) -> bytes:
    """A 2 s 720p H.264 segment of a photo with each brand's logo on a card."""
    scene = photo("coffee")
    for index, brand in enumerate(brands):
        scene, _ = paste(scene, logo(brand), (160 + 290 * index, 200), 200)
    frame = tmp_path / "scene.png"
    cv2.imwrite(str(frame), cv2.cvtColor(cv2.resize(scene, (1280, 720)), cv2.COLOR_RGB2BGR))
    out = tmp_path / "scene.ts"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(frame), "-t", "2",
         "-r", "30", "-c:v", "libx264", "-g", "60", "-pix_fmt", "yuv420p", "-f", "mpegts",
         str(out)],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


def display_name(brand: str) -> str:
    return f"{brand.title()} & Co"


def register(api, dev, brand):
    put = requests.put(
        f"{api}/v1/brands/{brand}", json={"name": display_name(brand)}, headers=dev, timeout=30
    )
    assert put.ok, put.text
    upload = requests.post(
        f"{api}/v1/brands/{brand}/logos",
        files={"file": ("logo.svg", (ICONS / f"{brand}.svg").read_bytes(), "image/svg+xml")},
        headers=dev,
        timeout=WAIT_S,
    )
    assert upload.status_code == 201, upload.text


def get(api, path, headers, **params):
    return requests.get(f"{api}{path}", params=params, headers=headers, timeout=WAIT_S)


def test_evidence_is_stored_served_exported_reported_and_deleted(
    api, dev, db, store, stream_id, stack_env, tmp_path
):
    for brand in BRANDS:
        register(api, dev, brand)
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Evidence =cmd", "stream_id": stream_id},
        headers=dev, timeout=30,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    # Segment 0 holds both logos, segment 1 one of them: written in order, so its
    # appearance continues across the two segments.
    docs = []
    for seq, shown in ((0, BRANDS), (1, BRANDS[:1])):
        data = scene_segment(tmp_path, shown)
        store.create(segment_object(stream_id, seq), data, metadata=live_metadata(seq))
        docs.append(wait_for_snapshot(segment_ref(db, stream_id, seq), finished))

    # --- stored by the pipeline: one JPEG per brand and segment, named on the segment ----
    for seq, shown in ((0, BRANDS), (1, BRANDS[:1])):
        doc = docs[seq]
        assert doc["status"] == "done", doc.get("error")
        found = {d["label"] for f in doc["frames"] for d in f["detections"] if d["kind"] == "logo"}
        assert set(shown) <= found, found
        assert doc["evidence"] == {b: evidence_object(stream_id, seq, b) for b in found}
        for brand in shown:
            jpeg = store.read(evidence_object(stream_id, seq, brand))
            assert Image.open(io.BytesIO(jpeg)).size == (480, 270) and len(jpeg) < 40_000
            print(f"evidence {brand} seg {seq}: {len(jpeg)} bytes")
        print(f"seg {seq}: evidence_ms={doc['timings']['evidence_ms']}")
        assert doc["timings"]["evidence_ms"] is not None
        assert not [w for w in doc.get("warnings", []) if "evidence" in w]

    # --- served by the API, as the appearances name them ---------------------------------
    summary = get(api, f"/v1/streams/{stream_id}/summary", dev).json()
    appearances = {a["brand"]: a for a in summary["appearances"]}
    assert set(BRANDS) <= set(appearances)
    for brand in BRANDS:
        seq = appearances[brand]["evidence_seq"]
        assert appearances[brand]["evidence"] == f"/v1/streams/{stream_id}/evidence/{seq}/{brand}"
        served = get(api, appearances[brand]["evidence"], dev)
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
        assert served.content == store.read(evidence_object(stream_id, seq, brand))
    missing = get(api, f"/v1/streams/{stream_id}/evidence/7/{BRANDS[0]}", dev)
    assert missing.status_code == 404

    # --- the timeline adds up to the summary's seconds --------------------------------------
    line = get(api, f"/v1/streams/{stream_id}/timeline", dev, bucket_s=1).json()
    assert line["start"] == 0.0 and line["end"] == pytest.approx(4.0, abs=0.1)
    assert len(line["buckets"]) == len(line["series"][0]["seconds"]) == 4
    seconds = {b["brand"]: b["seconds"] for b in summary["brands"]}
    for series in line["series"]:
        assert sum(series["seconds"]) == pytest.approx(series["total"], abs=0.01)
        assert series["total"] == pytest.approx(seconds[series["brand"]], abs=0.05)
    assert {s["brand"] for s in line["series"]} == set(seconds)

    # --- CSV against Firestore's appearance documents ---------------------------------------
    stored = {
        s.id: summarise(s.to_dict(), stream_id)
        for s in db.collection("streams").document(stream_id).collection("appearances").stream()
    }
    export = get(api, f"/v1/streams/{stream_id}/appearances.csv", dev)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    assert export.headers["Content-Disposition"] == (
        f'attachment; filename="{stream_id}-appearances.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert {r["appearance_id"] for r in rows} == set(stored)
    for row in rows:
        truth = stored[row["appearance_id"]]
        assert row["brand"] == truth.brand and row["stream_id"] == stream_id
        assert row["brand_name"] == display_name(truth.brand)  # as the library names it
        assert float(row["start_s"]) == truth.start and float(row["end_s"]) == truth.end
        assert float(row["seconds"]) == truth.seconds
        assert float(row["confidence"]) == truth.best_score
        assert float(row["peak_size"]) == truth.peak_size and row["evidence"] == truth.evidence
    only = get(api, f"/v1/streams/{stream_id}/appearances.csv", dev, brand=BRANDS[1]).text
    assert {r["brand"] for r in csv.DictReader(io.StringIO(only))} == {BRANDS[1]}
    none = get(api, f"/v1/streams/{stream_id}/appearances.csv", dev, min_confidence=1.0).text
    assert list(csv.DictReader(io.StringIO(none))) == []  # no detection is that sure

    totals = list(csv.DictReader(io.StringIO(get(api, f"/v1/streams/{stream_id}/brands.csv",
                                                 dev).text)))  # fmt: skip
    assert {t["brand"] for t in totals} == {a.brand for a in stored.values()}
    for t in totals:
        mine = [a for a in stored.values() if a.brand == t["brand"]]
        assert float(t["seconds"]) == pytest.approx(sum(a.seconds for a in mine), abs=0.002)
        assert int(t["appearances"]) == len(mine)
        assert float(t["peak_confidence"]) == max(a.best_score for a in mine)
    assert sum(float(t["share_of_voice"]) for t in totals) == pytest.approx(1.0, abs=0.001)
    later = get(api, f"/v1/streams/{stream_id}/brands.csv", dev, start=2.0).text
    clipped = {t["brand"]: float(t["seconds"]) for t in csv.DictReader(io.StringIO(later))}
    assert clipped == {BRANDS[0]: pytest.approx(2.0, abs=0.05)}  # the second brand left at 2 s

    # --- the report: every brand, its thumbnail, the chart --------------------------------
    report = get(api, f"/v1/streams/{stream_id}/report", dev)
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in report.headers["Content-Security-Policy"]
    page = report.text
    assert "Evidence =cmd" in page and "@page" in page and "<svg" in page
    assert "seconds on screen per" in page and "media time" in page  # axes are labelled
    images = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', page)
    assert len(images) == len(BRANDS)
    for brand in BRANDS:
        assert f"<b>{html.escape(display_name(brand))}</b>" in page  # named as in the library
        best = appearances[brand]
        frame = store.read(evidence_object(stream_id, best["evidence_seq"], brand))
        assert base64.b64encode(frame).decode() in images

    # --- bad filters are the caller's mistake ---------------------------------------------
    for params in ({"start": 5, "end": 2}, {"min_confidence": 2}, {"bucket_s": 0}):
        assert get(api, f"/v1/streams/{stream_id}/timeline", dev, **params).status_code == 400
    assert get(api, "/v1/streams/nope-x/report", dev).status_code == 404

    # --- deleted with the stream ----------------------------------------------------------
    assert [o.name for o in store.list(evidence_prefix(stream_id))]
    deleted = requests.delete(f"{api}/v1/streams/{stream_id}", headers=dev, timeout=60)
    assert deleted.status_code == 204
    assert list(store.list(evidence_prefix(stream_id))) == []
    gone = get(api, f"/v1/streams/{stream_id}/evidence/0/{BRANDS[0]}", dev)
    assert gone.status_code == 404


def test_a_viewer_may_read_the_exports_and_no_credential_may_not(api, dev, stream_id, stack_env):
    body = {"name": "Access", "stream_id": stream_id}
    created = requests.post(f"{api}/v1/streams", json=body, headers=dev, timeout=30)
    assert created.status_code == 201
    _, viewer = user_token(stack_env, f"exports-{stream_id}@x.io", {"viewer": True})
    _, plain = user_token(stack_env, f"plain-exports-{stream_id}@x.io")
    paths = [f"/v1/streams/{stream_id}/{route}" for route in ROUTES]
    paths.append(f"/v1/streams/{stream_id}/evidence/0/acme")
    for path in paths:
        as_viewer = get(api, path, {"Authorization": f"Bearer {viewer}"})
        # The viewer passes the door: 200, or 404 for a frame this empty stream has not.
        assert as_viewer.status_code == (404 if "/evidence/" in path else 200), path
        assert get(api, path, {}).status_code == 401, path
        assert get(api, path, {"Authorization": f"Bearer {plain}"}).status_code == 403, path
    started = time.monotonic()
    empty = get(api, f"/v1/streams/{stream_id}/report", dev)
    assert "No brand was seen" in empty.text and time.monotonic() - started < WAIT_S
