"""Browser access to a Firestore emulator, shared by the local stack, docker compose and
KIND: the production security rules and the ``config/access`` document they read.

A Firestore emulator enforces no rules until it is given some, so without this any page
in the host's browser could read ``streams/{id}/private/*`` (a stream key's hash, the
publisher's address) from the emulator's published port. On GCP terraform deploys the
same rules file and writes the same document.

    python -m mediacore.firestore_access [RULES_FILE]

reads the emulator address (``FIRESTORE_EMULATOR_HOST``), the project and the access
settings (``MA_API_PUBLIC_READ``, ``MA_API_VIEWER_CLAIM``, ``MA_API_ADMIN_CLAIM``) from
the environment, like every service.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import requests

from mediacore.settings import Settings

# The functions image and a checkout both keep it at their root.
RULES_FILE = Path(__file__).resolve().parent.parent / "firestore.rules"
# Compose and KIND start this beside the emulator: wait for it to answer this long.
WAIT_S = 120.0


def load_rules(emulator_host: str, project: str, rules: str) -> None:
    """Replace the emulator's rules (its REST endpoint; it applies them at once)."""
    body = {"rules": {"files": [{"name": "firestore.rules", "content": rules}]}}
    url = f"http://{emulator_host}/emulator/v1/projects/{project}:securityRules"
    response = requests.put(url, json=body, timeout=10)
    response.raise_for_status()


def publish_access(settings: Settings) -> None:
    """What the rules read to decide access (they cannot see environment settings)."""
    from google.cloud import firestore

    client = firestore.Client(project=settings.platform.project_id)
    client.collection("config").document("access").set(
        {
            "public_read": settings.api.public_read,
            "viewer_claim": settings.api.viewer_claim,
            "admin_claim": settings.api.admin_claim,
        }
    )


def configure(settings: Settings, rules: str, wait_s: float = 0.0) -> None:
    """Rules, then the access document, on the emulator FIRESTORE_EMULATOR_HOST names.
    Refuses to run without one: a real Firestore gets its rules from terraform."""
    emulator = os.environ.get("FIRESTORE_EMULATOR_HOST", "")
    if not emulator:
        raise SystemExit("FIRESTORE_EMULATOR_HOST is not set: rules go into an emulator only")
    deadline = time.monotonic() + wait_s
    while True:
        try:
            load_rules(emulator, settings.platform.project_id, rules)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)
    publish_access(settings)


def main(argv: list[str]) -> int:
    rules_file = Path(argv[0]) if argv else RULES_FILE
    settings = Settings()
    configure(settings, rules_file.read_text(), wait_s=WAIT_S)
    print(
        f"firestore rules loaded from {rules_file.name}; public_read={settings.api.public_read}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
