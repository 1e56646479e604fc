"""The bundled logo catalogue through the stack's real API: search, previews, adding a logo
from it through the model service's upload check, and a server without the catalogue.

Stands in for an analyst on the brands page choosing "add from catalogue": the glyph must
take the same path as an uploaded file (rendered, checked, stored with its verdict).
"""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.conftest import TEST_API_KEY
from tests.integration.helpers import WAIT_S, function_process

KEY = {"X-API-Key": TEST_API_KEY}


@pytest.fixture
def api(stack_env):
    return stack_env.info["api"]


def signed_in(stack, role: str) -> dict:
    """A seeded demo account's ID token, signed in as the dashboard does."""
    account = next(a for a in stack.info["accounts"] if a["role"] == role)
    answer = requests.post(
        f"http://{stack.info['auth']}/identitytoolkit.googleapis.com/v1/"
        "accounts:signInWithPassword?key=fake",
        json={
            "email": account["email"],
            "password": account["password"],
            "returnSecureToken": True,
        },
        timeout=30,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['idToken']}"}


def test_search_ranks_whole_names_and_prefixes_first(api, stack_env):
    viewer = signed_in(stack_env, "viewer")
    found = requests.get(
        f"{api}/v1/catalogue", params={"q": "Coca-Cola"}, headers=viewer, timeout=30
    ).json()
    assert found["icons"][0] == {
        "slug": "cocacola",
        "title": "Coca-Cola",
        "hex": "D00013",
        "license": "CC0-1.0",
        "svg_url": "/v1/catalogue/cocacola.svg",
    }
    cola = requests.get(
        f"{api}/v1/catalogue", params={"q": "COLA"}, headers=viewer, timeout=30
    ).json()["icons"]
    titles = [icon["title"] for icon in cola]
    # Names with a word starting with it (Coca-Cola, Google Colab) before names containing
    # it (Chocolatey).
    starts = [
        any(w.lower().startswith("cola") for w in t.replace("-", " ").split()) for t in titles
    ]
    assert len(titles) >= 3 and starts == sorted(starts, reverse=True) and not starts[-1], titles
    two = requests.get(
        f"{api}/v1/catalogue", params={"q": "cola", "limit": 2}, headers=viewer, timeout=30
    ).json()["icons"]
    assert [icon["slug"] for icon in two] == [icon["slug"] for icon in cola[:2]]
    accents = requests.get(
        f"{api}/v1/catalogue", params={"q": "citroën"}, headers=viewer, timeout=30
    ).json()
    assert accents["icons"][0]["slug"] == "citroen"
    assert requests.get(f"{api}/v1/catalogue", params={"q": "coca"}, timeout=30).status_code == 401
    status = requests.get(f"{api}/v1/catalogue/status", headers=viewer, timeout=30).json()
    assert status == {"available": True, "icons": status["icons"], "version": "16.37.0",
                      "reason": None} and status["icons"] > 3000  # fmt: skip


def test_previews_are_the_coloured_glyph_and_safe_to_open(api):
    svg = requests.get(f"{api}/v1/catalogue/cocacola.svg", timeout=30)  # <img src>: no credential
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b'<svg fill="#D00013" ')
    assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
    assert svg.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{api}/v1/catalogue/nosuchbrand.svg", timeout=30).status_code == 404


def test_adding_from_the_catalogue_is_checked_like_an_upload(api, stack_env):
    brand = f"sb-{uuid.uuid4().hex[:8]}"
    assert requests.put(
        f"{api}/v1/brands/{brand}", json={"name": "Starbucks"}, headers=KEY, timeout=30
    ).ok
    try:
        viewer = signed_in(stack_env, "viewer")
        url = f"{api}/v1/brands/{brand}/logos/catalogue/starbucks"
        assert requests.post(url, headers=viewer, timeout=30).status_code == 403
        added = requests.post(url, headers=signed_in(stack_env, "admin"), timeout=WAIT_S)
        assert added.status_code == 201, added.text
        logo = added.json()
        # The model service's verdict, as for an uploaded file; stored as PNG like an SVG upload.
        assert logo["check"]["usable"] is True and logo["check"]["trials"] > 0
        assert logo["content_type"] == "image/png" and logo["object"].startswith(f"brands/{brand}/")
        listed = requests.get(f"{api}/v1/brands/{brand}/logos", headers=KEY, timeout=30).json()
        assert [(x["logo_id"], x["check"]) for x in listed["logos"]] == [
            (logo["logo_id"], logo["check"])
        ]
        missing = requests.post(
            f"{api}/v1/brands/{brand}/logos/catalogue/nosuchbrand", headers=KEY, timeout=30
        )
        assert missing.status_code == 404, missing.text
        nobody = requests.post(
            f"{api}/v1/brands/nobody-{brand}/logos/catalogue/starbucks", headers=KEY, timeout=30
        )
        assert nobody.status_code == 404, nobody.text
    finally:
        requests.delete(f"{api}/v1/brands/{brand}", headers=KEY, timeout=30)


def test_without_the_catalogue_its_routes_say_so_and_the_rest_works(stack_env, tmp_path):
    env = {
        **stack_env.client_env,
        "MA_LOGO_CATALOGUE_DIR": str(tmp_path / "not-installed"),
        "MA_API_KEYS": f'["{TEST_API_KEY}"]',
    }
    with function_process("api", env, signature="http") as url:
        search = requests.get(f"{url}v1/catalogue", params={"q": "coca"}, headers=KEY, timeout=30)
        assert search.status_code == 503, search.text
        assert "logo catalogue is not installed" in search.json()["error"]["message"]
        status = requests.get(f"{url}v1/catalogue/status", headers=KEY, timeout=30).json()
        assert status["available"] is False and "not installed" in status["reason"]
        assert requests.get(f"{url}v1/catalogue/cocacola.svg", timeout=30).status_code == 503
        brand = f"cc-{uuid.uuid4().hex[:8]}"
        assert requests.put(
            f"{url}v1/brands/{brand}", json={"name": "Coca-Cola"}, headers=KEY, timeout=30
        ).ok
        try:
            add = requests.post(
                f"{url}v1/brands/{brand}/logos/catalogue/cocacola", headers=KEY, timeout=30
            )
            assert add.status_code == 503, add.text
            logos = requests.get(f"{url}v1/brands/{brand}/logos", headers=KEY, timeout=30)
            assert logos.json()["logos"] == []
        finally:
            requests.delete(f"{url}v1/brands/{brand}", headers=KEY, timeout=30)
        assert requests.get(f"{url}v1/streams", headers=KEY, timeout=30).status_code == 200
        assert requests.get(f"{url}healthz", timeout=30).status_code == 200
