"""The dashboard's TypeScript result types, generated from the pydantic models.

    python -m local.schema_types          # rewrite frontend/src/app/core/result-schema.ts
    python -m local.schema_types --check  # exit 1 when the file no longer matches

json-schema-to-typescript (npm, pinned in frontend/package.json) turns
:func:`mediacore.schema.json_schema` into interfaces; ``tests/unit/test_schema_types.py``
runs the check, so a model change the frontend does not follow fails ``make test``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mediacore.schema import json_schema

ROOT = Path(__file__).resolve().parent.parent
FRONTEND = ROOT / "frontend"
TARGET = FRONTEND / "src" / "app" / "core" / "result-schema.ts"
BANNER = "/* Generated from mediacore/schema.py by `python -m local.schema_types`: do not edit. */"


def generate() -> str:
    json2ts = FRONTEND / "node_modules" / ".bin" / "json2ts"
    if not json2ts.exists():
        raise RuntimeError(f"{json2ts} is missing: run `make frontend` (npm ci) first")
    done = subprocess.run(
        [str(json2ts), "--additionalProperties", "false", "--unreachableDefinitions",
         "--bannerComment", BANNER],
        input=json.dumps(json_schema()),
        capture_output=True,
        text=True,
        check=True,
        cwd=FRONTEND,
    )  # fmt: skip
    return done.stdout


def main(argv: list[str]) -> int:
    text = generate()
    if "--check" in argv:
        if TARGET.read_text() != text:
            print(f"{TARGET} is stale: run `python -m local.schema_types`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
