"""Make sure the `media-analyzer` Secret holds every key the manifests read, idempotently.

A cluster made by an older kind-up.sh lacks the keys added since (MA_WEBHOOK_TOKEN): the
pods that read them cannot start. This creates the Secret, or adds only what is missing,
keeping every value already there (MinIO's data was written under its root password).
Values go to kubectl on stdin, never on a command line. Standard library only.

    python3 knative/ensure_secret.py       (run by kind-up.sh; needs kubectl and the cluster)
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys

NAMESPACE = "media-analyzer"
NAME = "media-analyzer"


def _token() -> str:
    return secrets.token_urlsafe(24)


# Key -> how to make a value. MinIO's root user/password are the AWS pair, and MinIO sends
# MA_WEBHOOK_TOKEN to analyze-webhook (knative/render.py reads all four from this Secret).
KEYS = {
    "AWS_ACCESS_KEY_ID": lambda: "media-analyzer",
    "AWS_SECRET_ACCESS_KEY": _token,
    "MA_API_KEYS": lambda: json.dumps([_token()]),
    "MA_WEBHOOK_TOKEN": _token,
}


def kubectl(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["kubectl", *args], input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"ensure_secret: kubectl {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def encode(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def ensure() -> list[str]:
    """Create the Secret or add its missing keys; returns the names of the keys added."""
    found = kubectl("get", "secret", NAME, "-n", NAMESPACE, "-o", "json", "--ignore-not-found")
    if not found.strip():
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": NAME, "namespace": NAMESPACE},
            "data": {key: encode(make()) for key, make in KEYS.items()},
        }
        kubectl("create", "-f", "-", stdin=json.dumps(secret))
        return sorted(KEYS)
    secret = json.loads(found)
    data = secret.setdefault("data", {})
    missing = sorted(set(KEYS) - set(data))
    if missing:
        data.update({key: encode(KEYS[key]()) for key in missing})
        # resourceVersion stays: a concurrent change makes replace fail instead of lost.
        secret["metadata"].pop("managedFields", None)
        kubectl("replace", "-f", "-", stdin=json.dumps(secret))
    return missing


def main() -> None:
    added = ensure()
    print(f"secret {NAMESPACE}/{NAME}: " + (f"added {', '.join(added)}" if added else "complete"))


if __name__ == "__main__":
    main()
