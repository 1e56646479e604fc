"""Who may use the dashboard and the API: roles as Firebase Auth custom claims.

    python -m functions users grant EMAIL --role viewer|admin
    python -m functions users revoke EMAIL
    python -m functions users list [--all]

A role is one custom claim set to ``true``: ``MA_API_VIEWER_CLAIM`` (default ``viewer``:
read streams, results and brands) or ``MA_API_ADMIN_CLAIM`` (default ``admin``: that and
every control action). The API (functions/api/auth.py) and firestore.rules read the same
claims. Granting sets exactly one of them and keeps any other claim the account has.

Runs against the Auth emulator when ``FIREBASE_AUTH_EMULATOR_HOST`` is set, else against
the project ``GOOGLE_CLOUD_PROJECT`` with Application Default Credentials (an identity
allowed to manage users, e.g. roles/firebaseauth.admin).

The account must exist: a person signs in once (Google) or is created with a password.
Claims reach a user's ID token when it is next refreshed (sign out and in, or within the
hour). Taking a right away (revoke, or admin -> viewer) also revokes the account's
refresh tokens, so the API, which checks revocation, refuses its current tokens at once;
Firestore's rules see the old claims until that ID token expires (at most an hour).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cache

from mediacore.settings import Settings, get_settings

ROLES = ("viewer", "admin")


class UsersError(Exception):
    """A user-management request that cannot be done; the message says why."""


@dataclass(frozen=True)
class Account:
    uid: str
    email: str | None
    role: str | None  # "admin", "viewer" or None


@cache
def _app(project_id: str):
    import firebase_admin

    return firebase_admin.initialize_app(
        options={"projectId": project_id}, name="media-analyzer-users"
    )


def claim_names(settings: Settings) -> dict[str, str]:
    return {"viewer": settings.api.viewer_claim, "admin": settings.api.admin_claim}


def role_of(claims: dict | None, settings: Settings) -> str | None:
    names, claims = claim_names(settings), claims or {}
    if claims.get(names["admin"]) is True:
        return "admin"
    if claims.get(names["viewer"]) is True:
        return "viewer"
    return None


def _user(email: str, settings: Settings):
    from firebase_admin import auth

    try:
        return auth.get_user_by_email(email, app=_app(settings.platform.project_id))
    except auth.UserNotFoundError as exc:
        raise UsersError(
            f"no account with the email {email!r}: the person signs in once first "
            "(or, on the Auth emulator, the embedded stack seeds its accounts)"
        ) from exc


def _set_role(user, role: str | None, settings: Settings) -> Account:
    from firebase_admin import auth

    app = _app(settings.platform.project_id)
    names = claim_names(settings)
    before = role_of(user.custom_claims, settings)
    claims = {k: v for k, v in (user.custom_claims or {}).items() if k not in names.values()}
    if role is not None:
        claims[names[role]] = True
    auth.set_custom_user_claims(user.uid, claims or None, app=app)
    if before == "admin" and role != "admin" or before == "viewer" and role is None:
        auth.revoke_refresh_tokens(user.uid, app=app)  # the API refuses its tokens at once
    return Account(user.uid, user.email, role)


def grant(email: str, role: str, settings: Settings | None = None) -> Account:
    if role not in ROLES:
        raise UsersError(f"role must be one of {', '.join(ROLES)}")
    settings = settings or get_settings()
    return _set_role(_user(email, settings), role, settings)


def revoke(email: str, settings: Settings | None = None) -> Account:
    settings = settings or get_settings()
    return _set_role(_user(email, settings), None, settings)


def accounts(include_all: bool = False, settings: Settings | None = None) -> list[Account]:
    """Accounts with a role (every account with ``include_all``), by email."""
    from firebase_admin import auth

    settings = settings or get_settings()
    found = [
        Account(user.uid, user.email, role_of(user.custom_claims, settings))
        for user in auth.list_users(app=_app(settings.platform.project_id)).iterate_all()
    ]
    return sorted((a for a in found if include_all or a.role), key=lambda a: (a.email or "", a.uid))


def ensure_account(email: str, password: str, role: str, settings: Settings | None = None):
    """An email/password account with this password and role, created if missing (the
    embedded stack seeds its Auth emulator's demo accounts with it)."""
    from firebase_admin import auth

    settings = settings or get_settings()
    app = _app(settings.platform.project_id)
    try:
        user = auth.get_user_by_email(email, app=app)
        user = auth.update_user(user.uid, password=password, disabled=False, app=app)
    except auth.UserNotFoundError:
        user = auth.create_user(email=email, password=password, email_verified=True, app=app)
    return _set_role(user, role, settings)


def target(settings: Settings) -> str:
    emulator = settings.api.firebase_auth_emulator_host
    if emulator:
        return f"the Auth emulator at {emulator}"
    return f"Firebase Auth of project {settings.platform.project_id}"


def add_parser(commands) -> None:
    users = commands.add_parser(
        "users", help="grant, revoke and list dashboard/API roles (Firebase custom claims)"
    )
    actions = users.add_subparsers(dest="action", required=True)
    grant_cmd = actions.add_parser("grant", help="give an account a role")
    grant_cmd.add_argument("email")
    grant_cmd.add_argument("--role", choices=ROLES, required=True)
    revoke_cmd = actions.add_parser("revoke", help="take an account's role away")
    revoke_cmd.add_argument("email")
    list_cmd = actions.add_parser("list", help="accounts with a role")
    list_cmd.add_argument("--all", action="store_true", help="also accounts without a role")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    settings = get_settings()
    try:
        if args.action == "grant":
            account = grant(args.email, args.role, settings)
            print(f"{account.email}: {account.role} ({target(settings)})")
        elif args.action == "revoke":
            account = revoke(args.email, settings)
            print(f"{account.email}: no role ({target(settings)}); its sessions are revoked")
        else:
            for account in accounts(args.all, settings):
                print(f"{account.email or '-'}\t{account.role or '-'}\t{account.uid}")
    except UsersError as exc:
        parser.exit(2, f"users: {exc}\n")
    return 0
