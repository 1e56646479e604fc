"""Development credentials stay development credentials: the dev token is honoured only
while every emulator the API uses is on loopback (the embedded stack), placeholder
secrets stop the process, and no deployment hands the dev token to a dashboard."""

from __future__ import annotations

import pytest
import yaml
from flask import Flask
from pydantic import ValidationError

from functions.api.auth import authenticate
from functions.api.errors import ApiError
from local.runner import ROOT
from mediacore.settings import ApiSettings, PlatformSettings, Settings

TOKEN = "dev-token-0123456789abcdef"


@pytest.fixture
def clean_env(monkeypatch):
    for key in (
        "FIRESTORE_EMULATOR_HOST",
        "FIREBASE_AUTH_EMULATOR_HOST",
        "MA_API_DEV_TOKEN",
        "MA_API_KEYS",
    ):
        monkeypatch.delenv(key, raising=False)


def settings(firestore: str | None, auth: str | None = None) -> Settings:
    return Settings(
        platform=PlatformSettings(firestore_emulator_host=firestore),
        api=ApiSettings(dev_token=TOKEN, firebase_auth_emulator_host=auth),
    )


def call_with_dev_token(settings: Settings):
    app = Flask("test")
    with app.test_request_context(headers={"Authorization": f"Bearer {TOKEN}"}):
        return authenticate(settings)


@pytest.mark.parametrize(
    ("firestore", "auth"),
    [("127.0.0.1:8780", None), ("localhost:8780", "127.0.0.1:9099"), ("[::1]:8780", None)],
)
def test_dev_token_works_with_loopback_emulators(clean_env, firestore, auth):
    principal = call_with_dev_token(settings(firestore, auth))
    assert principal.kind == "dev-token" and principal.can_control


@pytest.mark.parametrize(
    ("firestore", "auth"),
    [
        (None, None),  # real Firestore: GCP
        ("firestore:8080", None),  # compose
        ("firestore.media-analyzer.svc.cluster.local:8080", None),  # KIND
        ("127.0.0.1:8780", "auth.example:9099"),  # an Auth emulator others can reach
        ("127.0.0.1.attacker.example:8780", None),
    ],
)
def test_dev_token_is_refused_anywhere_else(clean_env, firestore, auth):
    with pytest.raises(ApiError) as refused:
        call_with_dev_token(settings(firestore, auth))
    assert refused.value.code == 401


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MA_API_KEYS", '["change-me-api-key"]'),
        ("MA_API_KEYS", '["a-real-key-0123456789", "CHANGE-ME"]'),
        ("MA_API_DEV_TOKEN", "change-me-dev-token"),
    ],
)
def test_placeholder_secrets_are_refused(clean_env, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match="placeholder"):
        Settings()


def test_no_deployment_hands_the_dev_token_to_a_dashboard():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    frontend_env = compose["services"]["frontend"].get("environment", {})
    assert not any("DEV_TOKEN" in name for name in frontend_env)
    assert "devToken" not in (ROOT / "frontend" / "docker" / "config.json.template").read_text()
    assert "MA_API_DEV_TOKEN" not in (ROOT / ".env.example").read_text()
