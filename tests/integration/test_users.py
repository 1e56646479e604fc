"""Users and roles against the stack's real Auth emulator and API: the operator's tool
(`python -m functions users grant|revoke|list`), the accounts the embedded stack seeds, and
the dashboard's sign-in config.

Stands in for an operator giving a colleague viewer or admin rights on a Firebase project
(custom claims, read back from the Auth emulator as the ID token carries them) and for a
person signing in to the local dashboard with a seeded account.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import requests

from local.runner import ROOT


@pytest.fixture
def api(stack_env):
    return stack_env.info["api"]


def identity(stack) -> str:
    return f"http://{stack.info['auth']}/identitytoolkit.googleapis.com/v1"


def users_tool(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "functions", "users", *args],
        cwd=ROOT,
        env={**os.environ, **stack.client_env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def sign_in(stack, email: str, password: str) -> requests.Response:
    return requests.post(
        f"{identity(stack)}/accounts:signInWithPassword?key=fake",
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=30,
    )


def token(stack, email: str, password: str) -> dict:
    answer = sign_in(stack, email, password)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['idToken']}"}


def claims_of(stack, email: str) -> dict:
    """The account's custom claims as the Auth emulator stores them (owner lookup)."""
    answer = requests.post(
        f"{identity(stack)}/projects/{stack.info['project']}/accounts:lookup",
        json={"email": [email]},
        headers={"Authorization": "Bearer owner"},
        timeout=30,
    )
    answer.raise_for_status()
    return json.loads(answer.json()["users"][0].get("customAttributes") or "{}")


def can(api: str, headers: dict, stream_id: str) -> tuple[int, int]:
    """(status of a read, status of a control action) for this credential."""
    read = requests.get(f"{api}/v1/streams", headers=headers, timeout=30).status_code
    created = requests.post(
        f"{api}/v1/streams",
        json={"name": "users test", "stream_id": stream_id},
        headers=headers,
        timeout=30,
    )
    if created.status_code == 201:
        requests.delete(f"{api}/v1/streams/{stream_id}", headers=headers, timeout=60)
    return read, created.status_code


def test_grant_and_revoke_set_the_claims_the_api_checks(api, stack_env, stream_id):
    email, password = f"colleague-{uuid.uuid4().hex[:8]}@example.com", "secret-123"
    signup = requests.post(
        f"{identity(stack_env)}/accounts:signUp?key=fake",
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=30,
    )
    signup.raise_for_status()
    assert can(api, token(stack_env, email, password), stream_id) == (403, 403)

    granted = users_tool(stack_env, "grant", email, "--role", "viewer")
    assert granted.returncode == 0, granted.stderr
    assert claims_of(stack_env, email) == {"viewer": True}
    assert can(api, token(stack_env, email, password), stream_id) == (200, 403)

    promoted = users_tool(stack_env, "grant", email, "--role", "admin")
    assert promoted.returncode == 0, promoted.stderr
    assert claims_of(stack_env, email) == {"admin": True}  # one role at a time
    admin = token(stack_env, email, password)
    assert can(api, admin, stream_id) == (200, 201)
    listed = users_tool(stack_env, "list")
    assert f"{email}\tadmin\t" in listed.stdout, listed.stdout

    time.sleep(1.1)  # revocation counts in whole seconds: revoke after the token's second
    revoked = users_tool(stack_env, "revoke", email)
    assert revoked.returncode == 0, revoked.stderr
    assert claims_of(stack_env, email) == {}
    # The admin token from before is refused at once (its session is revoked) ...
    assert requests.get(f"{api}/v1/streams", headers=admin, timeout=30).status_code == 401
    # ... and a new sign-in carries no role.
    assert can(api, token(stack_env, email, password), stream_id) == (403, 403)
    assert email not in users_tool(stack_env, "list").stdout


def test_granting_to_an_unknown_account_says_why(stack_env):
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    done = users_tool(stack_env, "grant", unknown, "--role", "viewer")
    assert done.returncode == 2 and "no account with the email" in done.stderr, done.stderr
    wrong = users_tool(stack_env, "grant", "x@example.com", "--role", "owner")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


def test_seeded_accounts_sign_in_with_their_roles(api, stack_env, stream_id):
    accounts = {a["role"]: a for a in stack_env.info["accounts"]}
    assert set(accounts) == {"admin", "viewer"}
    viewer, admin = accounts["viewer"], accounts["admin"]
    assert can(api, token(stack_env, viewer["email"], viewer["password"]), stream_id) == (200, 403)
    assert can(api, token(stack_env, admin["email"], admin["password"]), stream_id) == (200, 201)
    assert claims_of(stack_env, viewer["email"]) == {"viewer": True}
    assert sign_in(stack_env, viewer["email"], viewer["password"] + "x").status_code == 400
    listed = users_tool(stack_env, "list").stdout
    assert f"{viewer['email']}\tviewer\t" in listed and f"{admin['email']}\tadmin\t" in listed


def test_dashboard_offers_email_sign_in_with_the_seeded_accounts(stack_env):
    config = requests.get(f"{stack_env.info['dashboard']}config.json", timeout=30).json()
    assert config["signIn"] == "email"
    assert config["demoAccounts"] == [
        {k: a[k] for k in ("email", "password", "role")} for a in stack_env.info["accounts"]
    ]
    assert config["roleClaims"] == {"viewer": "viewer", "admin": "admin"}
    # The browser acts as the signed-in account: a viewer must not hold full control.
    assert "devToken" not in config and stack_env.info["api_dev_token"] not in json.dumps(config)
