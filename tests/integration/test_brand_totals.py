"""Brand totals across streams (GET /v1/brands, /v1/brands/{id}) and renaming, against the
stack's real API and Firestore.

Stands in for an analyst's brands page: each brand's seconds on screen, appearances and
share of voice over every stream, and the streams where it was seen. The streams' totals
and appearances are written as the pipeline writes them (functions/aggregates.py: the
stream document's ``brands.{id}`` map; functions/appearances.py: one document per
appearance with its ``brand``); the answers are checked against the documents read back.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from mediacore.streams import StreamRegistry
from tests.conftest import TEST_API_KEY
from tests.integration.helpers import WAIT_S
from tests.logo_scenes import ICONS

KEY = {"X-API-Key": TEST_API_KEY}


@pytest.fixture
def api(stack_env):
    return stack_env.info["api"]


def seen_in_stream(db, stream_id: str, brands: dict[str, tuple[float, list[float]]]) -> None:
    """Totals and appearances as the pipeline leaves them: {brand: (seconds, [starts])}."""
    StreamRegistry(db).create(f"Totals {stream_id}", stream_id)
    ref = db.collection("streams").document(stream_id)
    ref.set(
        {
            "status": "ended",
            "brands": {
                brand: {"seconds": seconds, "first_seen": starts[0], "last_seen": starts[-1] + 1}
                for brand, (seconds, starts) in brands.items()
            },
        },
        merge=True,
    )
    for brand, (_, starts) in brands.items():
        for start in starts:
            ref.collection("appearances").document(f"{brand}-{round(start * 1000):010d}").set(
                {
                    "brand": brand,
                    "source": "logo",
                    "start": start,
                    "parts": {"00000000": {"end": start + 1, "peak_area": 0.01, "best_score": 0.9}},
                }
            )


def all_brand_seconds(db) -> float:
    return sum(
        float((entry or {}).get("seconds") or 0.0)
        for snapshot in db.collection("streams").stream()
        for entry in (snapshot.to_dict().get("brands") or {}).values()
    )


@pytest.fixture
def two_streams(db, stream_id):
    tag = uuid.uuid4().hex[:8]
    a, b, other = f"acme-{tag}", f"globex-{tag}", f"initech-{tag}"
    first, second = f"{stream_id}-1", f"{stream_id}-2"
    seen_in_stream(db, first, {a: (6.0, [0.0, 10.0, 20.0]), b: (2.0, [4.0])})
    seen_in_stream(db, second, {a: (4.5, [2.0]), other: (1.5, [8.0])})
    yield {"a": a, "b": b, "other": other, "first": first, "second": second}
    for stream in (first, second):
        db.recursive_delete(db.collection("streams").document(stream))


def test_brand_totals_across_two_streams(api, db, two_streams):
    a, b = two_streams["a"], two_streams["b"]
    for brand, name in ((a, "Acme"), (b, "Globex")):
        put = requests.put(f"{api}/v1/brands/{brand}", json={"name": name}, headers=KEY, timeout=30)
        assert put.status_code == 201, put.text
    try:
        before = all_brand_seconds(db)
        answer = requests.get(f"{api}/v1/brands", headers=KEY, timeout=60)
        after = all_brand_seconds(db)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["streams_truncated"] is False and body["streams_read"] >= 2
        listed = {x["brand_id"]: x for x in body["brands"]}
        # Read back from Firestore: what the pipeline's documents say about brand a.
        docs = {s: db.collection("streams").document(s).get().to_dict() for s in
                (two_streams["first"], two_streams["second"])}  # fmt: skip
        seconds_a = sum(d["brands"][a]["seconds"] for d in docs.values())
        acme = listed[a]
        assert acme["name"] == "Acme" and acme["seconds"] == pytest.approx(seconds_a) == 10.5
        assert acme["appearances"] == 4  # 3 in the first stream, 1 in the second
        # Every brand's seconds count in the denominator, not only the library's.
        assert seconds_a / before >= acme["share_of_voice"] - 1e-4
        assert acme["share_of_voice"] >= seconds_a / after - 1e-4
        assert [(s["stream_id"], s["seconds"], s["appearances"]) for s in acme["streams"]] == [
            (two_streams["first"], 6.0, 3),
            (two_streams["second"], 4.5, 1),
        ]
        first = acme["streams"][0]
        assert first["name"] == f"Totals {two_streams['first']}" and first["last_seen"] == 21.0
        globex = listed[b]
        assert (globex["seconds"], globex["appearances"]) == (2.0, 1)
        assert [s["stream_id"] for s in globex["streams"]] == [two_streams["first"]]
        # A brand outside the library is no entry of the list.
        assert two_streams["other"] not in listed

        one = requests.get(f"{api}/v1/brands/{a}", headers=KEY, timeout=60).json()
        assert (one["seconds"], one["appearances"], one["streams"]) == (
            acme["seconds"],
            acme["appearances"],
            acme["streams"],
        )
    finally:
        for brand in (a, b):
            requests.delete(f"{api}/v1/brands/{brand}", headers=KEY, timeout=30)


def test_renaming_keeps_logos_verdicts_and_history(api, two_streams):
    brand = two_streams["a"]
    assert requests.put(
        f"{api}/v1/brands/{brand}", json={"name": "Acme"}, headers=KEY, timeout=30
    ).ok
    try:
        svg = (ICONS / "starbucks.svg").read_bytes()
        upload = requests.post(
            f"{api}/v1/brands/{brand}/logos",
            files={"file": ("logo.svg", svg)},
            headers=KEY,
            timeout=WAIT_S,
        )
        assert upload.status_code == 201, upload.text
        renamed = requests.patch(
            f"{api}/v1/brands/{brand}", json={"name": "Acme Corp"}, headers=KEY, timeout=30
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json() == {"brand_id": brand, "name": "Acme Corp", "aliases": [], "logos": 1}
        logos = requests.get(f"{api}/v1/brands/{brand}/logos", headers=KEY, timeout=30).json()
        assert [x["logo_id"] for x in logos["logos"]] == [upload.json()["logo_id"]]
        assert logos["logos"][0]["check"] == upload.json()["check"]
        after = requests.get(f"{api}/v1/brands/{brand}", headers=KEY, timeout=60).json()
        assert after["name"] == "Acme Corp"
        assert (after["seconds"], after["appearances"]) == (10.5, 4)  # history stays
    finally:
        requests.delete(f"{api}/v1/brands/{brand}", headers=KEY, timeout=30)


def test_rename_needs_an_existing_brand_and_control(api, stack_env):
    missing = f"nobody-{uuid.uuid4().hex[:8]}"
    answer = requests.patch(
        f"{api}/v1/brands/{missing}", json={"name": "X"}, headers=KEY, timeout=30
    )
    assert answer.status_code == 404, answer.text  # PUT creates; PATCH only renames
    assert requests.get(f"{api}/v1/brands/{missing}", headers=KEY, timeout=30).status_code == 404
    viewer = next(a for a in stack_env.info["accounts"] if a["role"] == "viewer")
    base = f"http://{stack_env.info['auth']}/identitytoolkit.googleapis.com/v1"
    token = requests.post(
        f"{base}/accounts:signInWithPassword?key=fake",
        json={**{k: viewer[k] for k in ("email", "password")}, "returnSecureToken": True},
        timeout=30,
    ).json()["idToken"]
    refused = requests.patch(
        f"{api}/v1/brands/{missing}",
        json={"name": "X"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert refused.status_code == 403, refused.text
