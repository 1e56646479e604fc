"""Who is calling the control API, and what they may do.

Credentials, in the order they are tried:

- ``X-API-Key: <key>`` — a key from ``MA_API_KEYS`` (scripts, CI, other services);
  full control.
- ``Authorization: Bearer <token>`` — the embedded stack's development token
  (``MA_API_DEV_TOKEN``; full control), else a Firebase Auth ID token verified with
  firebase-admin, revocation included (against the Auth emulator when
  ``FIREBASE_AUTH_EMULATOR_HOST`` is set). Any Google account can sign in, so a token
  alone grants nothing: reading needs the custom claim ``MA_API_VIEWER_CLAIM`` (or the
  admin one), control ``MA_API_ADMIN_CLAIM``; anonymous sign-ins are refused.

Read endpoints may be opened to everyone with ``MA_API_PUBLIC_READ``; a credential
that is present but wrong is refused even then. Nothing here logs a credential.

The development token is a development credential: it counts only while every
emulator the API uses is on loopback (the embedded stack), and then the API answers
only requests addressed to a loopback name, so a web page that rebinds its own DNS
name to 127.0.0.1 reaches nothing (its requests carry its own name as Host).
``MA_API_ALLOWED_HOSTS`` does the same for other private deployments (compose).

Credentials are checked before anything else about the request (``install``), so an
unauthenticated caller learns nothing from validation errors.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from functools import cache

from flask import Flask, current_app, g, request

from functions.api.errors import ApiError
from mediacore.hosts import hostname, is_loopback
from mediacore.settings import Settings, get_settings

log = logging.getLogger(__name__)

PUBLIC, READ, CONTROL = "public", "read", "control"
ACCESS = "access_level"  # attribute ``require`` puts on a view function
SECURITY_SCHEMES = {
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"},
}
SECURITY = [{"apiKey": []}, {"bearer": []}]


@dataclass(frozen=True)
class Principal:
    kind: str  # api-key | dev-token | firebase
    subject: str
    can_read: bool
    can_control: bool


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def development(settings: Settings) -> bool:
    """The embedded stack: every emulator the API uses is on this machine's loopback."""
    emulators = [settings.platform.firestore_emulator_host]
    if settings.api.firebase_auth_emulator_host:
        emulators.append(settings.api.firebase_auth_emulator_host)
    return all(is_loopback(host) for host in emulators)


def host_allowed(host_port: str, settings: Settings) -> bool:
    """Requests must name this API: a DNS-rebinding page sends its own name as Host."""
    allowed = {name.lower() for name in settings.api.allowed_hosts}
    if allowed and hostname(host_port) not in allowed:
        return False
    return is_loopback(host_port) if development(settings) else True


def _api_key(key: str, settings: Settings) -> Principal:
    offered = _digest(key)
    # Every configured key is compared, in constant time, whatever matches first.
    matched = [hmac.compare_digest(offered, _digest(k)) for k in settings.api.keys]
    if not any(matched):
        raise ApiError(401, "invalid API key")
    return Principal("api-key", f"key-{matched.index(True)}", True, True)


@cache
def _firebase_app(project_id: str):
    import firebase_admin

    return firebase_admin.initialize_app(options={"projectId": project_id}, name="media-analyzer")


def _firebase(token: str, settings: Settings) -> Principal:
    from firebase_admin import auth, exceptions

    app = _firebase_app(settings.platform.project_id)
    try:
        # check_revoked: a revoked session or a disabled / deleted user is refused at once,
        # not when the token expires (one Auth lookup per request).
        claims = auth.verify_id_token(token, app=app, check_revoked=True)
    except auth.CertificateFetchError as exc:
        raise ApiError(503, "cannot verify tokens right now, retry later") from exc
    except (ValueError, auth.InvalidIdTokenError, auth.UserDisabledError) as exc:
        # ExpiredIdTokenError and RevokedIdTokenError are InvalidIdTokenErrors.
        raise ApiError(401, "invalid, expired or revoked ID token") from exc
    except auth.UserNotFoundError as exc:
        raise ApiError(401, "invalid, expired or revoked ID token") from exc
    except exceptions.FirebaseError as exc:
        raise ApiError(503, "cannot verify tokens right now, retry later") from exc
    if claims.get("firebase", {}).get("sign_in_provider") == "anonymous":
        raise ApiError(401, "anonymous sign-in is not accepted")
    can_control = claims.get(settings.api.admin_claim) is True
    can_read = can_control or claims.get(settings.api.viewer_claim) is True
    return Principal("firebase", claims.get("uid", ""), can_read, can_control)


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
        if not development(settings):
            raise ApiError(401, "the development token is accepted by the embedded stack only")
        return Principal("dev-token", "developer", True, True)
    return _firebase(token, settings)


def authorize(level: str, settings: Settings) -> Principal | None:
    """Check the current request's credential for ``level``; None: public access."""
    if level == PUBLIC:
        return None
    principal = authenticate(settings)
    if principal is None:
        if level == READ and settings.api.public_read:
            return None
        raise ApiError(401, "credential required: X-API-Key or Authorization: Bearer")
    if level == READ and not principal.can_read:
        raise ApiError(403, f"this account lacks the '{settings.api.viewer_claim}' claim")
    if level != READ and not principal.can_control:
        raise ApiError(403, f"this account lacks the '{settings.api.admin_claim}' claim")
    return principal


def require(level: str):
    """Decorator: the route needs ``PUBLIC``, ``READ`` or ``CONTROL`` access. The check
    itself runs before the request is validated (``install``)."""

    def decorate(view):
        setattr(view, ACCESS, level)
        return view

    return decorate


def install(app: Flask) -> None:
    """Check every request's Host and credential before the route (and its request
    validation) runs. A route that does not say its level needs control rights."""
    settings = get_settings()
    if settings.api.dev_token and not development(settings):
        log.error(
            "MA_API_DEV_TOKEN is set but the emulators are not on loopback: it is ignored "
            "(use API keys or Firebase users outside the embedded stack)"
        )

    @app.before_request
    def _check_access():
        settings = get_settings()
        if not host_allowed(request.host, settings):
            raise ApiError(403, "this API does not answer requests addressed to that host")
        view = current_app.view_functions.get(request.endpoint or "")
        if view is None or request.method == "OPTIONS":
            return  # not found / CORS preflight: no data either way
        g.principal = authorize(getattr(view, ACCESS, CONTROL), settings)
