"""Who is calling the control API, and what they may do.

Credentials, in the order they are tried:

- ``X-API-Key: <key>`` — a key from ``MA_API_KEYS`` (scripts, CI, other services);
  full control.
- ``Authorization: Bearer <token>`` — the embedded stack's development token
  (``MA_API_DEV_TOKEN``, off unless set; full control), else a Firebase Auth ID
  token verified with firebase-admin (against the Auth emulator when
  ``FIREBASE_AUTH_EMULATOR_HOST`` is set). Any signed-in user may read; control
  needs the custom claim ``MA_API_ADMIN_CLAIM`` set to true.

Read endpoints may be opened to everyone with ``MA_API_PUBLIC_READ``; a credential
that is present but wrong is refused even then. Nothing here logs a credential.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from functools import cache, wraps

from flask import g, request

from functions.api.errors import ApiError
from mediacore.settings import Settings, get_settings

log = logging.getLogger(__name__)

READ, CONTROL = "read", "control"
SECURITY_SCHEMES = {
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"},
}
SECURITY = [{"apiKey": []}, {"bearer": []}]


@dataclass(frozen=True)
class Principal:
    kind: str  # api-key | dev-token | firebase
    subject: str
    can_control: bool


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def _api_key(key: str, settings: Settings) -> Principal:
    offered = _digest(key)
    # Every configured key is compared, in constant time, whatever matches first.
    matched = [hmac.compare_digest(offered, _digest(k)) for k in settings.api.keys]
    if not any(matched):
        raise ApiError(401, "invalid API key")
    return Principal("api-key", f"key-{matched.index(True)}", True)


@cache
def _firebase_app(project_id: str):
    import firebase_admin

    return firebase_admin.initialize_app(options={"projectId": project_id}, name="media-analyzer")


def _firebase(token: str, settings: Settings) -> Principal:
    from firebase_admin import auth

    try:
        claims = auth.verify_id_token(token, app=_firebase_app(settings.platform.project_id))
    except auth.CertificateFetchError as exc:
        raise ApiError(503, "cannot verify tokens right now, retry later") from exc
    except (ValueError, auth.InvalidIdTokenError) as exc:
        # ExpiredIdTokenError and RevokedIdTokenError are InvalidIdTokenErrors.
        raise ApiError(401, "invalid or expired ID token") from exc
    can_control = claims.get(settings.api.admin_claim) is True
    return Principal("firebase", claims.get("uid", ""), can_control)


def authenticate(settings: Settings) -> Principal | None:
    """The caller of the current request, or None when it sent no credential."""
    key = request.headers.get("X-API-Key")
    if key:
        return _api_key(key, settings)
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authorization must be 'Bearer <ID token>'")
    token = token.strip()
    dev = settings.api.dev_token
    if dev and hmac.compare_digest(_digest(token), _digest(dev)):
        return Principal("dev-token", "developer", True)
    return _firebase(token, settings)


def require(level: str):
    """Decorator: the route needs ``READ`` or ``CONTROL`` rights."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            settings = get_settings()
            principal = authenticate(settings)
            if principal is None and not (level == READ and settings.api.public_read):
                raise ApiError(401, "credential required: X-API-Key or Authorization: Bearer")
            if level == CONTROL and not principal.can_control:
                raise ApiError(403, f"this account lacks the '{settings.api.admin_claim}' claim")
            g.principal = principal
            return view(*args, **kwargs)

        return guarded

    return decorate
