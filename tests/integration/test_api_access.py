"""Who may reach the control API, tried against the stack's real API, Auth emulator and
dashboard server: claims, revoked tokens, the order of checks, crafted page tokens, the
development token's reach (loopback names only) and the retired ``backfill`` target."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from local.runner import free_port, stop_process_group
from tests.conftest import TEST_API_KEY, wait_port
from tests.integration.helpers import functions_framework_command

STREAM_BODY = {"name": "access test"}


@pytest.fixture
def api(stack_env):
    return stack_env.info["api"]


@pytest.fixture
def dev(stack_env):
    return {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}


def auth_base(stack) -> str:
    wait_port(int(stack.info["auth"].rsplit(":", 1)[1]), timeout=90)
    return f"http://{stack.info['auth']}/identitytoolkit.googleapis.com/v1"


def as_owner(stack, call: str, body: dict) -> dict:
    """An Admin API call on the Auth emulator (it takes 'Bearer owner' as the admin)."""
    response = requests.post(
        f"{auth_base(stack)}/projects/{stack.info['project']}/{call}",
        json=body,
        headers={"Authorization": "Bearer owner"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def user_token(stack, email: str, claims: dict | None = None) -> tuple[str, str]:
    """Sign a user up in the Auth emulator, with custom claims, and sign in: (uid, ID token)."""
    base = auth_base(stack)
    body = {"email": email, "password": "secret-123", "returnSecureToken": True}
    uid = requests.post(f"{base}/accounts:signUp?key=fake", json=body, timeout=10).json()["localId"]
    if claims:
        as_owner(stack, "accounts:update", {"localId": uid, "customAttributes": json.dumps(claims)})
    signin = requests.post(f"{base}/accounts:signInWithPassword?key=fake", json=body, timeout=10)
    signin.raise_for_status()
    return uid, signin.json()["idToken"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, code):
    assert response.status_code == code, (response.status_code, response.text)
    assert response.json()["error"]["code"] == code


# --- item 2: reading needs a claim, not just any Google account ------------------------------
def test_reading_needs_the_viewer_claim_and_anonymous_tokens_are_refused(api, stack_env, stream_id):
    streams = f"{api}/v1/streams"
    _, plain = user_token(stack_env, f"plain-{stream_id}@x.io")
    assert_error(requests.get(streams, headers=bearer(plain), timeout=30), 403)
    _, viewer = user_token(stack_env, f"viewer-{stream_id}@x.io", {"viewer": True})
    assert requests.get(streams, headers=bearer(viewer), timeout=30).status_code == 200
    assert_error(requests.post(streams, json=STREAM_BODY, headers=bearer(viewer), timeout=30), 403)

    base = auth_base(stack_env)
    anonymous = requests.post(
        f"{base}/accounts:signUp?key=fake", json={"returnSecureToken": True}, timeout=10
    ).json()["idToken"]
    assert_error(requests.get(streams, headers=bearer(anonymous), timeout=30), 401)


# --- item 14: revoked tokens, checks in order, crafted page tokens -----------------------------
def test_a_revoked_id_token_is_refused(api, stack_env, stream_id):
    uid, token = user_token(stack_env, f"revoked-{stream_id}@x.io", {"viewer": True})
    assert requests.get(f"{api}/v1/streams", headers=bearer(token), timeout=30).status_code == 200
    time.sleep(1.1)  # revocation counts in whole seconds: revoke after the token's second
    as_owner(stack_env, "accounts:update", {"localId": uid, "validSince": str(int(time.time()))})
    assert_error(requests.get(f"{api}/v1/streams", headers=bearer(token), timeout=30), 401)


def test_credentials_are_checked_before_the_request_is_validated(api):
    bad_body = {"name": "x", "admin": True}  # an unknown field: 400 for a caller who may ask
    assert_error(requests.post(f"{api}/v1/streams", json=bad_body, timeout=30), 401)
    wrong = {"X-API-Key": "wrong"}
    assert_error(requests.post(f"{api}/v1/streams", json=bad_body, headers=wrong, timeout=30), 401)
    assert_error(requests.get(f"{api}/v1/streams?page_size=-5", timeout=30), 401)
    key = {"X-API-Key": TEST_API_KEY}
    assert_error(requests.post(f"{api}/v1/streams", json=bad_body, headers=key, timeout=30), 400)


@pytest.mark.parametrize(
    "decoded", [b"UPPER", b"../etc", b"a/b", b"\xff\xfe", b"", b"x" * 200], ids=repr
)
def test_a_crafted_page_token_is_a_bad_request(api, dev, decoded):
    token = base64.urlsafe_b64encode(decoded).decode()
    response = requests.get(
        f"{api}/v1/streams", params={"page_token": token}, headers=dev, timeout=30
    )
    if decoded == b"":
        assert response.status_code == 200  # an empty token is no token
    else:
        assert_error(response, 400)


# --- item 3: the development token reaches loopback names only ---------------------------------
def test_api_refuses_requests_addressed_to_another_host(api, dev):
    port = api.rsplit(":", 1)[1]
    for host in ("127.0.0.1", "localhost"):
        ok = requests.get(
            f"{api}/v1/streams", headers={**dev, "Host": f"{host}:{port}"}, timeout=30
        )
        assert ok.status_code == 200, (host, ok.text)
    # A DNS-rebinding page reaches 127.0.0.1 under its own name: the API must not answer it.
    rebound = {**dev, "Host": f"attacker.example:{port}"}
    assert_error(requests.get(f"{api}/v1/streams", headers=rebound, timeout=30), 403)
    assert_error(requests.get(f"{api}/v1/openapi.json", headers=rebound, timeout=30), 403)


def test_dashboard_hands_its_config_to_loopback_names_only(stack_env):
    dashboard = stack_env.info["dashboard"]
    port = dashboard.rstrip("/").rsplit(":", 1)[1]
    config = requests.get(f"{dashboard}config.json", timeout=30)
    assert config.status_code == 200 and config.json()["apiBase"]
    rebound = requests.get(
        f"{dashboard}config.json", headers={"Host": f"attacker.example:{port}"}, timeout=30
    )
    assert rebound.status_code == 403
    assert stack_env.info["api_dev_token"] not in rebound.text


def test_stack_file_with_the_dev_token_is_private(stack_env):
    path = Path(stack_env.info["data_dir"]) / "stack.json"
    assert stack_env.info["api_dev_token"] in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, oct(path.stat().st_mode)


def run_function(target: str, env: dict[str, str], timeout: float = 60.0):
    """Start a functions-framework target; (exit code or None while serving, url, output)."""
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"ff-{target}-{port}.log"
    process = subprocess.Popen(
        functions_framework_command(target, "http", port),
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}", port, log


def serving_or_exited(process, port: int, timeout: float = 90.0) -> bool:
    """True once the process serves on ``port``; False once it exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            wait_port(port, timeout=0.5)
            return True
        except Exception:
            continue
    raise AssertionError("the function neither served nor exited")


def test_api_refuses_to_start_with_placeholder_secrets(stack_env):
    env = {**stack_env.client_env, "MA_API_KEYS": '["change-me-api-key"]'}
    process, _, port, log = run_function("api", env)
    try:
        assert not serving_or_exited(process, port), "started with a placeholder API key"
        assert process.returncode != 0
        assert "MA_API_KEYS" in log.read_text()
    finally:
        stop_process_group(process)


# --- item 4: no unauthenticated way to start a backfill ----------------------------------------
def test_no_function_target_starts_a_backfill_without_credentials(stack_env, stream_id):
    process, url, port, _ = run_function("backfill", stack_env.client_env)
    try:
        if serving_or_exited(process, port):
            response = requests.post(
                url, json={"stream_id": stream_id, "start": 0, "end": 10}, timeout=30
            )
            assert response.status_code in (401, 403), response.text
    finally:
        stop_process_group(process)
