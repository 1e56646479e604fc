"""Schemathesis fuzzes the running control API from its own OpenAPI document: no input
may make it answer 5xx, and every answer must match the documented schema.

It runs against its own API process in a separate Firestore project and logo prefix,
so generated streams and brands never reach the other tests' data.
"""

import subprocess
import uuid

from tests.integration.helpers import VENV_BIN, function_process


def test_schemathesis_finds_no_server_errors(stack_env, tmp_path):
    token = f"fuzz-{uuid.uuid4().hex}"
    env = {
        **stack_env.client_env,
        "GOOGLE_CLOUD_PROJECT": f"fuzz-{uuid.uuid4().hex[:8]}",
        "MA_API_DEV_TOKEN": token,
        "MA_BACKFILL_TOPIC": "",
        "MA_LOGO_BUCKET_PREFIX": "fuzz-brands/",
    }
    with function_process("api", env, signature="http") as url:
        done = subprocess.run(
            [
                str(VENV_BIN / "schemathesis"),
                "run",
                f"{url}v1/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                "15",
                "--seed",
                "20261125",
                "--request-timeout",
                "30",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path),
            ],
            cwd=tmp_path,  # schemathesis keeps a cache folder where it runs
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
