"""Serve the built dashboard (frontend/dist/browser) and its runtime config, for `make run`.

The app reads ``/config.json`` at start: where the API, the Firestore and Auth
emulators are, how to sign in (``signIn``: ``"email"``, email and password on the Auth
emulator) and the accounts the stack seeded there (``demoAccounts``: ``{email,
password, role}``, offered by the sign-in screen). The API development token is not
handed out: the dashboard acts as the signed-in account, so a viewer cannot control.
Unknown paths fall back to ``index.html``. Built by ``make frontend``; without a build
this serves a page saying so.

Only requests addressed to a loopback name are answered: a web page that rebinds its
own DNS name to 127.0.0.1 must not read the demo accounts from ``/config.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, jsonify, request, send_from_directory

from local.ports import StackPorts
from mediacore.hosts import is_loopback
from mediacore.settings import Settings

DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist" / "browser"


Accounts = Callable[[], list[dict]]


def runtime_config(settings: Settings, ports: StackPorts, accounts: list[dict]) -> dict:
    host = settings.platform.host
    return {
        "apiBase": f"http://{host}:{ports.api_port}",
        "firebase": {"projectId": settings.platform.project_id, "apiKey": "local-emulator"},
        "emulators": {
            "firestore": f"{host}:{ports.firestore_port}",
            "auth": f"{host}:{ports.auth_port}",
        },
        "signIn": "email",
        "roleClaims": {"viewer": settings.api.viewer_claim, "admin": settings.api.admin_claim},
        "demoAccounts": [
            {"email": a["email"], "password": a["password"], "role": a["role"]} for a in accounts
        ],
    }


def create_app(
    settings: Settings, ports: StackPorts, accounts: Accounts, dist: Path = DIST
) -> Flask:
    app = Flask("dashboard", static_folder=None)

    @app.before_request
    def _loopback_names_only():
        if not is_loopback(request.host):
            return "this server answers only requests addressed to a loopback name", 403

    @app.get("/config.json")
    def config():
        response = jsonify(runtime_config(settings, ports, accounts()))
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def files(path: str):
        if not (dist / "index.html").exists():
            return "The dashboard is not built yet: run `make frontend`.", 503
        if path and (dist / path).is_file():
            return send_from_directory(dist, path, max_age=3600)
        return send_from_directory(dist, "index.html", max_age=0)

    return app


def main() -> None:
    from waitress import serve

    from local.services import demo_accounts
    from mediacore.settings import get_settings

    settings, ports = get_settings(), StackPorts()
    app = create_app(settings, ports, lambda: demo_accounts(settings))
    serve(app, host=settings.platform.host, port=ports.dashboard_port, threads=8, _quiet=True)


if __name__ == "__main__":
    main()
