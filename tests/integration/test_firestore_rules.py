"""firestore.rules in the Firestore emulator, exercised with the Firebase web SDK as the
dashboard uses it: an anonymous and a signed-in browser user. Reads as configured,
writes never. (The stack's bootstrap loads the rules, as deploying them does on GCP.)"""

import json
import shutil
import subprocess

import pytest

from local.runner import ROOT

NODE_SCRIPT = ROOT / "tests" / "rules" / "matrix.mjs"
READS = ["read stream", "list streams", "read segment", "list segments", "read brand"]
SIGNED_IN_ONLY = ["read backfill"]
NEVER = [
    "read config",
    "update stream mode",
    "create stream",
    "delete stream",
    "write segment",
    "write brand",
    "write config",
    "write elsewhere",
]


def matrix(stack, stream_id: str, who: str) -> dict[str, str]:
    if not shutil.which("node") or not (NODE_SCRIPT.parent / "node_modules").exists():
        pytest.fail("node and tests/rules/node_modules are needed: run `make setup`")
    done = subprocess.run(
        [
            "node",
            str(NODE_SCRIPT),
            stack.client_env["FIRESTORE_EMULATOR_HOST"],
            stack.info["project"],
            stream_id,
            who,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def seeded(db, stream_id):
    stream = db.collection("streams").document(stream_id)
    stream.set({"name": "rules", "status": "live", "mode": "realtime"})
    stream.collection("segments").document("00000000").set({"seq": 0, "status": "done"})
    stream.collection("backfills").document("1").set({"segments": 1, "pending": {}})
    db.collection("brands").document("acme").set({"name": "Acme"})
    return stream


def test_signed_in_browser_user_reads_but_never_writes(stack_env, seeded, stream_id):
    result = matrix(stack_env, stream_id, "signed-in")
    assert {op: result[op] for op in READS + SIGNED_IN_ONLY} == dict.fromkeys(
        READS + SIGNED_IN_ONLY, "allowed"
    )
    assert {op: result[op] for op in NEVER} == dict.fromkeys(NEVER, "denied")
    assert seeded.get().to_dict()["mode"] == "realtime"  # nothing changed


def test_anonymous_browser_user_is_denied_everything(stack_env, seeded, stream_id):
    result = matrix(stack_env, stream_id, "anonymous")
    assert set(result.values()) == {"denied"}, result


def test_public_read_lets_anonymous_users_read_results_only(db, stack_env, seeded, stream_id):
    access = db.collection("config").document("access")
    access.set({"public_read": True})
    try:
        result = matrix(stack_env, stream_id, "anonymous")
    finally:
        access.set({"public_read": False})
    assert {op: result[op] for op in READS} == dict.fromkeys(READS, "allowed")
    assert result["read backfill"] == "denied"
    assert {op: result[op] for op in NEVER} == dict.fromkeys(NEVER, "denied")
