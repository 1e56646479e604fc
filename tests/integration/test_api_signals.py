"""Brands in on-screen text and speech through the control API (issue 18), against the
stack's real API and Firestore: brand aliases (set, refused, the library version moved so
the analysis re-reads its terms), per-stream text/speech switches, and a stream's
exposure by source in /summary, the CSV exports and the timeline.

The segment documents are written through the real result writer
(functions/results.py), as the analyze function writes them: text detections with the
line OCR read, frames OCR did not read, spoken mentions; each delivered twice.
"""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests

from functions.results import ResultWriter
from mediacore.brands import LIBRARY_VERSION_DOC, BrandNames
from mediacore.schema import SegmentResult
from tests.conftest import TEST_API_KEY

KEY = {"X-API-Key": TEST_API_KEY}


@pytest.fixture
def api(stack_env):
    return stack_env.info["api"]


@pytest.fixture
def brand_id(api):
    brand = f"cola-{uuid.uuid4().hex[:8]}"
    yield brand
    requests.delete(f"{api}/v1/brands/{brand}", headers=KEY, timeout=30)


def get(api, path, **params):
    return requests.get(f"{api}{path}", params=params, headers=KEY, timeout=60)


def library_version(db) -> int:
    snapshot = db.collection(LIBRARY_VERSION_DOC[0]).document(LIBRARY_VERSION_DOC[1]).get()
    return int(snapshot.get("version") or 0) if snapshot.exists else 0


def error_fields(response) -> list[str]:
    assert response.status_code == 400, response.text
    return [d["field"] for d in response.json()["error"]["details"]]


# --- aliases ------------------------------------------------------------------------------------
def test_aliases_are_cleaned_stored_listed_and_move_the_library_version(api, db, brand_id):
    before = library_version(db)
    put = requests.put(
        f"{api}/v1/brands/{brand_id}",
        json={"name": "Coca-Cola", "aliases": ["  Coke ", "coke", "COCA-COLA", "Coca Cola"]},
        headers=KEY,
        timeout=30,
    )
    assert put.status_code == 201, put.text
    # Trimmed; a duplicate (ignoring case) and the name itself dropped; order kept.
    assert put.json()["aliases"] == ["Coke", "Coca Cola"]
    assert db.collection("brands").document(brand_id).get().get("aliases") == ["Coke", "Coca Cola"]
    moved = library_version(db)
    assert moved > before

    # What the analysis matches OCR text and transcripts against, read at the new version.
    terms = BrandNames(db, [], ttl=0).terms(str(moved))[brand_id]
    assert {"Coca-Cola", "Coke", "Coca Cola"} <= set(terms)

    # PATCH only the aliases: the name stays, the version moves again.
    patched = requests.patch(
        f"{api}/v1/brands/{brand_id}", json={"aliases": ["Coke Zero"]}, headers=KEY, timeout=30
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["aliases"]) == ("Coca-Cola", ["Coke Zero"])
    assert library_version(db) > moved
    terms = BrandNames(db, [], ttl=0).terms(str(library_version(db)))[brand_id]
    assert "Coke Zero" in terms and "Coke" not in terms

    # PATCH only the name: the aliases stay, but one equal to the new name goes.
    renamed = requests.patch(
        f"{api}/v1/brands/{brand_id}", json={"name": "coke zero"}, headers=KEY, timeout=30
    ).json()
    assert (renamed["name"], renamed["aliases"]) == ("coke zero", [])
    # PUT without aliases keeps them; with an empty list clears them.
    requests.patch(
        f"{api}/v1/brands/{brand_id}", json={"aliases": ["Coke"]}, headers=KEY, timeout=30
    )
    kept = requests.put(
        f"{api}/v1/brands/{brand_id}", json={"name": "Coca-Cola"}, headers=KEY, timeout=30
    )
    assert kept.status_code == 200 and kept.json()["aliases"] == ["Coke"]
    cleared = requests.put(
        f"{api}/v1/brands/{brand_id}", json={"name": "Coca-Cola", "aliases": []}, headers=KEY,
        timeout=30,
    )  # fmt: skip
    assert cleared.json()["aliases"] == []

    # GET one and the list show them.
    requests.patch(
        f"{api}/v1/brands/{brand_id}", json={"aliases": ["Coke"]}, headers=KEY, timeout=30
    )
    one = requests.get(f"{api}/v1/brands/{brand_id}", headers=KEY, timeout=60).json()
    assert one["aliases"] == ["Coke"] and "mentions" in one
    listed = requests.get(f"{api}/v1/brands", headers=KEY, timeout=60).json()["brands"]
    assert next(b for b in listed if b["brand_id"] == brand_id)["aliases"] == ["Coke"]


def test_bad_aliases_are_refused_and_change_nothing(api, db, brand_id):
    created = requests.put(
        f"{api}/v1/brands/{brand_id}", json={"name": "Cola", "aliases": ["Coke"]}, headers=KEY,
        timeout=30,
    )  # fmt: skip
    assert created.status_code == 201
    version = library_version(db)
    url = f"{api}/v1/brands/{brand_id}"
    bad = {
        "empty after trimming": ["  "],
        "61 characters": ["x" * 61],
        "a control character": ["Co\nke"],
        "not text": [42],
        "21 aliases": [f"alias {i}" for i in range(21)],
        "not a list": "Coke",
    }
    for why, aliases in bad.items():
        for method in (requests.patch, requests.put):
            body = {"aliases": aliases} | ({"name": "Cola"} if method is requests.put else {})
            fields = error_fields(method(url, json=body, headers=KEY, timeout=30))
            assert fields and all(f.startswith("aliases") for f in fields), (why, fields)
    assert error_fields(requests.patch(url, json={}, headers=KEY, timeout=30)) == ["body"]
    assert requests.get(url, headers=KEY, timeout=60).json()["aliases"] == ["Coke"]
    assert library_version(db) == version  # nothing was written
    ok = requests.patch(url, json={"aliases": ["x" * 60] * 2}, headers=KEY, timeout=30)
    assert ok.status_code == 200 and ok.json()["aliases"] == ["x" * 60]


# --- signal switches -------------------------------------------------------------------------
def test_stream_signal_switches_follow_the_default_and_patch_one_at_a_time(
    api, db, stack_env, stream_id
):
    # What a switch never set means: the deployment's default (this stack: both off).
    default = {
        name: stack_env.env.get(f"MA_{name.upper()}_DEFAULT", "true").lower() == "true"
        for name in ("text", "speech")
    }
    flipped = {name: not on for name, on in default.items()}
    plain = requests.post(
        f"{api}/v1/streams", json={"name": "Plain", "stream_id": stream_id}, headers=KEY,
        timeout=30,
    )  # fmt: skip
    assert plain.status_code == 201, plain.text
    assert plain.json()["stream"]["signals"] == default
    assert "signals" not in db.collection("streams").document(stream_id).get().to_dict()

    url = f"{api}/v1/streams/{stream_id}"
    speech = {"signals": {"speech": flipped["speech"]}}
    one = requests.patch(url, json=speech, headers=KEY, timeout=30)
    assert one.status_code == 200, one.text
    assert one.json()["signals"] == {"text": default["text"], "speech": flipped["speech"]}
    text = {"signals": {"text": flipped["text"]}}
    both = requests.patch(url, json=text, headers=KEY, timeout=30).json()
    assert both["signals"] == flipped  # the speech switch was kept
    stored = db.collection("streams").document(stream_id).get().to_dict()
    assert stored["signals"] == flipped  # what the analysis reads (functions/modes.py)
    renamed = requests.patch(url, json={"name": "Renamed"}, headers=KEY, timeout=30).json()
    assert renamed["signals"] == flipped
    back = {"signals": {"speech": default["speech"]}, "mode": "batch"}
    again = requests.patch(url, json=back, headers=KEY, timeout=30).json()
    assert again["signals"] == {"text": flipped["text"], "speech": default["speech"]}
    assert again["mode"] == "batch"
    shown = requests.get(url, headers=KEY, timeout=30).json()
    assert shown["signals"] == again["signals"]

    for body in ({"signals": {"video": True}}, {"signals": {"text": "maybe"}},
                 {"signals": True}):  # fmt: skip
        fields = error_fields(requests.patch(url, json=body, headers=KEY, timeout=30))
        assert fields and fields[0].startswith("signals"), (body, fields)
    assert requests.get(url, headers=KEY, timeout=30).json()["signals"] == again["signals"]

    second = f"{stream_id}-b"
    created = requests.post(
        f"{api}/v1/streams",
        json={"name": "Switched", "stream_id": second, "signals": {"text": flipped["text"]}},
        headers=KEY,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    assert created.json()["stream"]["signals"] == {"text": flipped["text"],
                                                   "speech": default["speech"]}  # fmt: skip
    stored = db.collection("streams").document(second).get().to_dict()
    assert stored["signals"] == {"text": flipped["text"]}  # the other follows the default
    requests.delete(f"{api}/v1/streams/{second}", headers=KEY, timeout=60)


# --- exposure by source ---------------------------------------------------------------------
def hit(kind, brand, score=0.9, text=None):
    return {"label": brand, "score": score, "box": [0.1, 0.1, 0.2, 0.1], "kind": kind,
            "text": text, "source": "ocr:rapidocr" if kind == "text" else "logo:shape"}  # fmt: skip


def said(brand, start, text, score=0.8):
    return {"brand": brand, "start": start, "end": start + 0.4, "text": text, "score": score}


def segments(stream_id: str, acme: str, beta: str) -> list[SegmentResult]:
    """Segment 0, four frames of 0.5 s: acme by logo; by logo and text (counted once); held
    by text (OCR did not read that frame); by text. Segment 1, two frames of 1 s: acme's
    text run goes on, then nothing. beta is only said (twice), acme once."""
    first = [
        {"t": 0.0, "detections": [hit("logo", acme)], "ocr": True},
        {"t": 0.5, "detections": [hit("logo", acme), hit("text", acme, 0.7, "ACME sale")],
         "ocr": True},
        {"t": 1.0, "detections": [], "ocr": False},
        {"t": 1.5, "detections": [hit("text", acme, 0.95, "=ACME")], "ocr": True},
    ]  # fmt: skip
    second = [
        {"t": 2.0, "detections": [hit("text", acme, 0.8, "acme")], "ocr": True},
        {"t": 3.0, "detections": [], "ocr": True},
    ]
    mentions = [[said(beta, 0.3, "Beta")], [said(beta, 2.5, "beta's"), said(acme, 3.2, "Acme")]]
    return [
        SegmentResult.model_validate(
            {
                "seq": seq,
                "stream_id": stream_id,
                "generation": "1",
                "status": "done",
                "object": f"streams/{stream_id}/segments/{seq:08d}.ts",
                "duration": 2.0,
                "media_start": 2.0 * seq,
                "frames": frames,
                "mentions": mentions[seq],
                "signals": {"logo": "done", "text": "done", "speech": "done"},
            }
        )  # fmt: skip
        for seq, frames in enumerate((first, second))
    ]


def test_summary_csv_and_timeline_by_source(api, db, stream_id):
    tag = uuid.uuid4().hex[:6]
    acme, beta = f"acme-{tag}", f"beta-{tag}"
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Sources", "stream_id": stream_id}, headers=KEY,
        timeout=30,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    writer = ResultWriter(db)
    for result in segments(stream_id, acme, beta) * 2:  # every segment delivered twice
        writer.write(stream_id, result)
    stored = db.collection("streams").document(stream_id).get().to_dict()["brands"]
    assert stored[acme]["mentions"] == 1 and stored[beta]["mentions"] == 2

    # --- /summary: one row per brand, on screen and said together --------------------------
    summary = get(api, f"/v1/streams/{stream_id}/summary")
    assert summary.status_code == 200, summary.text
    rows = {b["brand"]: b for b in summary.json()["brands"]}
    # acme on screen 0-3 s: logo 0-1, text 0.5-3 (1.0 held, 2.0-3.0 in segment 1).
    assert rows[acme] == {
        "brand": acme, "seconds": 3.0, "logo_seconds": 1.0, "text_seconds": 2.5,
        "mentions": 1, "share_of_voice": 1.0, "screen_share": 0.75, "first_seen": 0.0,
        "last_seen": 2.0, "first_mention": 3.2, "last_mention": 3.2,
    }  # fmt: skip
    assert rows[beta]["seconds"] == 0.0 and rows[beta]["mentions"] == 2
    assert (rows[beta]["first_mention"], rows[beta]["last_mention"]) == (0.3, 2.5)
    assert [b["brand"] for b in summary.json()["brands"]] == [acme, beta]
    shown = {(a["brand"], a["source"], a["start"]): a for a in summary.json()["appearances"]}
    assert set(shown) == {(acme, "logo", 0.0), (acme, "text", 0.5), (beta, "speech", 0.3),
                          (beta, "speech", 2.5), (acme, "speech", 3.2)}  # fmt: skip
    text_run = shown[(acme, "text", 0.5)]
    assert (text_run["end"], text_run["text"], text_run["best_score"]) == (3.0, "=ACME", 0.95)
    assert shown[(beta, "speech", 2.5)]["text"] == "beta's"

    # --- appearances.csv: source and text columns, ids apart by source ---------------------
    export = get(api, f"/v1/streams/{stream_id}/appearances.csv")
    assert export.status_code == 200, export.text
    table = list(csv.DictReader(io.StringIO(export.text)))
    assert {"source", "text"} <= set(table[0])
    by_id = {r["appearance_id"]: r for r in table}
    assert set(by_id) == {
        f"{acme}-0000000000", f"{acme}-text-0000000500", f"{beta}-speech-0000000300",
        f"{beta}-speech-0000002500", f"{acme}-speech-0000003200",
    }  # fmt: skip
    assert by_id[f"{acme}-text-0000000500"]["text"] == "'=ACME"  # a formula made inert
    assert by_id[f"{acme}-speech-0000003200"]["source"] == "speech"
    only = get(api, f"/v1/streams/{stream_id}/appearances.csv", source=["speech"]).text
    assert {r["source"] for r in csv.DictReader(io.StringIO(only))} == {"speech"}
    bad = get(api, f"/v1/streams/{stream_id}/appearances.csv", source="smell")
    assert error_fields(bad) and bad.json()["error"]["details"][0]["field"].startswith("source")

    # --- brands.csv: the totals by source agree with the stream's aggregates ----------------
    totals = get(api, f"/v1/streams/{stream_id}/brands.csv")
    per_brand = {r["brand"]: r for r in csv.DictReader(io.StringIO(totals.text))}
    for brand in (acme, beta):
        for column in ("seconds", "logo_seconds", "text_seconds", "mentions"):
            assert float(per_brand[brand][column]) == pytest.approx(rows[brand][column]), column
    assert per_brand[beta]["first_seen_s"] == "" and per_brand[beta]["first_mention_s"] == "0.3"
    screen = get(api, f"/v1/streams/{stream_id}/brands.csv", source=["logo", "text"]).text
    assert {r["brand"] for r in csv.DictReader(io.StringIO(screen))} == {acme}

    # --- timeline: screen seconds and mentions per bucket; per source on request -------------
    line = get(api, f"/v1/streams/{stream_id}/timeline", bucket_s=1).json()
    series = {s["brand"]: s for s in line["series"]}
    assert series[acme]["seconds"] == [1.0, 1.0, 1.0, 0.0] and series[acme]["source"] is None
    assert series[acme]["mentions"] == [0, 0, 0, 1] and series[beta]["mentions"] == [1, 0, 1, 0]
    split = get(api, f"/v1/streams/{stream_id}/timeline", bucket_s=2, by_source="true").json()
    keyed = {(s["brand"], s["source"]): s for s in split["series"]}
    assert keyed[(acme, "logo")]["seconds"] == [1.0, 0.0]
    assert keyed[(acme, "text")]["seconds"] == [1.5, 1.0]
    assert keyed[(beta, "speech")]["mentions_total"] == 2

    # --- the report shows mentions beside seconds ------------------------------------------
    report = get(api, f"/v1/streams/{stream_id}/report")
    assert report.status_code == 200 and "<th>Mentions</th>" in report.text
    assert "spoken mentions" in report.text


def test_an_old_stream_document_reads_as_logo_seconds(api, db, stream_id):
    """Written before sources existed: ``brands.{b}`` held seconds, first and last seen."""
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Old", "stream_id": stream_id}, headers=KEY,
        timeout=30,
    )  # fmt: skip
    assert created.status_code == 201
    db.collection("streams").document(stream_id).update(
        {"brands": {"acme": {"seconds": 4.5, "first_seen": 1.0, "last_seen": 6.0}},
         "analysed_seconds": 9.0}
    )  # fmt: skip
    (row,) = get(api, f"/v1/streams/{stream_id}/summary").json()["brands"]
    assert (row["seconds"], row["logo_seconds"], row["text_seconds"], row["mentions"]) == (
        4.5, 4.5, 0.0, 0,
    )  # fmt: skip
    assert row["screen_share"] == 0.5 and row["first_mention"] is None
