"""firestore.rules in the Firestore emulator, exercised with the Firebase web SDK as the
dashboard uses it: every kind of browser user against every kind of document. (The
stack's bootstrap loads the rules, as deploying them does on GCP.)

On GCP anyone with a Google account can sign in, so being signed in grants nothing:
reading needs the ``viewer`` (or ``admin``) custom claim. Anonymous users never read; the
embedded stack's dashboard signs in with the accounts its bootstrap seeds (with those
claims). Stream keys' hashes and publishers' addresses live in ``streams/{id}/private/*``,
which no browser reads; no browser writes anything."""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
import requests

from local.runner import ROOT
from mediacore.streams import StreamRegistry

NODE_SCRIPT = ROOT / "tests" / "rules" / "matrix.mjs"
READS = ["read stream", "list streams", "read segment", "list segments", "read brand"]
VIEWER_READS = [*READS, "read backfill"]
NEVER = [
    "read private",
    "read config",
    "update stream mode",
    "create stream",
    "delete stream",
    "write segment",
    "write private",
    "write brand",
    "write config",
    "write elsewhere",
]
PUBLISHER_ADDR = "203.0.113.7"  # personal data: who published from where
DEPLOYED = {"public_read": False, "anonymous_viewers": False}  # as terraform writes it


def matrix(
    stack, stream_id: str, role: str, account: dict | None = None
) -> tuple[dict[str, str], dict | None]:
    """What a browser user of ``role`` may do; role "account" signs ``account`` in (email
    and password) on the stack's Auth emulator, as the dashboard does."""
    if not shutil.which("node") or not (NODE_SCRIPT.parent / "node_modules").exists():
        pytest.fail("node and tests/rules/node_modules are needed: run `make setup`")
    env = dict(os.environ)
    if account:
        env.update(
            MA_RULES_AUTH=stack.info["auth"],
            MA_RULES_EMAIL=account["email"],
            MA_RULES_PASSWORD=account["password"],
        )
    done = subprocess.run(
        [
            "node",
            str(NODE_SCRIPT),
            stack.client_env["FIRESTORE_EMULATOR_HOST"],
            stack.info["project"],
            stream_id,
            role,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["results"], answer["stream"]


def verdicts(result: dict[str, str], ops: list[str]) -> dict[str, str]:
    return {op: result[op] for op in ops}


@pytest.fixture
def seeded(db, stack_env, stream_id):
    """A stream created by the registry and accepted by the ingest's publish hook, as OBS
    publishing from PUBLISHER_ADDR would leave it; a segment, a backfill and a brand."""
    created = StreamRegistry(db).create("rules", stream_id)
    accepted = requests.post(
        f"{stack_env.info['ingest']}rtmp/on_publish",
        data={
            "call": "publish",
            "app": "live",
            "name": stream_id,
            "key": created.secret,
            "addr": PUBLISHER_ADDR,
            "clientid": "77",
        },
        timeout=30,
    )
    assert accepted.status_code == 200, accepted.text
    stream = db.collection("streams").document(stream_id)
    stream.collection("segments").document("00000000").set({"seq": 0, "status": "done"})
    stream.collection("backfills").document("1").set({"segments": 1, "pending": {}})
    db.collection("brands").document("acme").set({"name": "Acme"})
    yield created
    db.recursive_delete(stream)
    db.collection("brands").document("acme").delete()  # later tests' brand names stay theirs


@pytest.fixture
def access(db):
    """Set config/access for one test; the stack's own document is put back after."""
    ref = db.collection("config").document("access")
    before = ref.get().to_dict()
    yield lambda **fields: ref.set(fields)
    ref.set(before)


def assert_no_secrets(stream: dict | None, created) -> None:
    assert stream is not None and stream["name"] == "rules"
    text = json.dumps(stream, default=str)
    assert "key_hash" not in text and created.secret not in text
    assert PUBLISHER_ADDR not in text


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_viewers_read_results_without_secrets_and_never_write(
    stack_env, seeded, access, stream_id, db, role
):
    access(**DEPLOYED)
    result, stream = matrix(stack_env, stream_id, role)
    assert verdicts(result, VIEWER_READS) == dict.fromkeys(VIEWER_READS, "allowed")
    assert verdicts(result, NEVER) == dict.fromkeys(NEVER, "denied")
    assert_no_secrets(stream, seeded)
    doc = db.collection("streams").document(stream_id).get().to_dict()
    assert doc["mode"] == "realtime"  # nothing changed


@pytest.mark.parametrize("role", ["none", "anonymous", "signed-in"])
def test_without_the_viewer_claim_a_deployment_shows_nothing(
    stack_env, seeded, access, stream_id, role
):
    access(**DEPLOYED)
    result, stream = matrix(stack_env, stream_id, role)
    assert set(result.values()) == {"denied"}, result
    assert stream is None


def test_embedded_stack_shows_nothing_to_anonymous_sign_ins(stack_env, seeded, stream_id):
    # config/access as the local bootstrap wrote it (it used to let anonymous users read).
    result, stream = matrix(stack_env, stream_id, "anonymous")
    assert set(result.values()) == {"denied"}, result
    assert stream is None


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_seeded_accounts_sign_in_and_read_results_only(stack_env, seeded, stream_id, role):
    """The embedded stack's demo accounts, signed in with email and password as the
    dashboard does, read what their claim allows and nothing private."""
    account = next(a for a in stack_env.info["accounts"] if a["role"] == role)
    result, stream = matrix(stack_env, stream_id, "account", account)
    assert verdicts(result, VIEWER_READS) == dict.fromkeys(VIEWER_READS, "allowed")
    assert verdicts(result, NEVER) == dict.fromkeys(NEVER, "denied")
    assert_no_secrets(stream, seeded)


def test_public_read_opens_results_only(stack_env, seeded, access, stream_id):
    access(**{**DEPLOYED, "public_read": True})
    result, stream = matrix(stack_env, stream_id, "none")
    assert verdicts(result, READS) == dict.fromkeys(READS, "allowed")
    assert result["read backfill"] == "denied"
    assert verdicts(result, NEVER) == dict.fromkeys(NEVER, "denied")
    assert_no_secrets(stream, seeded)


def emulator_read(host: str, project: str, path: str) -> int:
    """What a browser with no credential gets for a document (the emulator's REST API)."""
    url = f"http://{host}/v1/projects/{project}/databases/(default)/documents/{path}"
    return requests.get(url, timeout=10).status_code


def run_access_setup(host: str, project: str, public_read: bool) -> None:
    """The command compose's firestore-init service and KIND's firestore-init Job run."""
    env = {
        **os.environ,
        "FIRESTORE_EMULATOR_HOST": host,
        "GOOGLE_CLOUD_PROJECT": project,
        "MA_API_PUBLIC_READ": str(public_read).lower(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "mediacore.firestore_access", str(ROOT / "firestore.rules")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr


def test_a_published_emulator_opens_results_but_never_secrets(stack_env):
    """Compose and KIND publish their Firestore emulator to the host's browser for the
    dashboard. An emulator enforces no rules until given some (rules are per project:
    a project of its own stands in for theirs), so any page could read a stream key's hash
    and the publisher's address; their set-up step gives it the production rules."""
    host = stack_env.client_env["FIRESTORE_EMULATOR_HOST"]
    project = f"published-{uuid.uuid4().hex[:8]}"
    owner = {"Authorization": "Bearer owner"}  # the server SDKs' identity on an emulator
    base = f"http://{host}/v1/projects/{project}/databases/(default)/documents"
    for path, field in [("streams/s", "name"), ("streams/s/private/publish", "key_hash")]:
        body = {"fields": {field: {"stringValue": PUBLISHER_ADDR}}}
        assert requests.patch(f"{base}/{path}", json=body, headers=owner, timeout=10).ok

    assert emulator_read(host, project, "streams/s/private/publish") == 200  # the fault

    run_access_setup(host, project, public_read=True)
    assert emulator_read(host, project, "streams/s") == 200
    assert emulator_read(host, project, "streams/s/private/publish") == 403
    assert emulator_read(host, project, "config/access") == 403

    run_access_setup(host, project, public_read=False)
    assert emulator_read(host, project, "streams/s") == 403
