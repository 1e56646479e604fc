"""Command line of the functions:

- ``python -m functions backfill STREAM_ID [--start S] [--end S] [--inline]`` re-analyses
  a stream's stored segments (functions/backfill.py);
- ``python -m functions users grant EMAIL --role viewer|admin`` / ``revoke EMAIL`` /
  ``list [--all]``: who may use the dashboard and the API (functions/users.py).
"""

from __future__ import annotations

import argparse
import json

from functions import users
from functions.backfill import request_backfill
from functions.errors import BackfillError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions")
    commands = parser.add_subparsers(dest="command", required=True)
    backfill = commands.add_parser(
        "backfill", help="re-analyse a stream's stored segments over a media-time range"
    )
    backfill.add_argument("stream_id")
    backfill.add_argument("--start", type=float, default=0.0, help="media time, s (default 0)")
    backfill.add_argument("--end", type=float, default=None, help="media time, s (default: all)")
    backfill.add_argument(
        "--inline", action="store_true", help="analyse here instead of queueing to Pub/Sub"
    )
    users.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "users":
        return users.run(args, parser)

    from functions import wiring
    from mediacore.settings import get_settings

    try:
        result = request_backfill(
            wiring.backfills(),
            wiring.default_store(),
            get_settings(),
            args.stream_id,
            args.start,
            args.end,
            analyzer=wiring.analyzer() if args.inline else None,
        )
    except BackfillError as exc:
        parser.exit(2, f"backfill: {exc}\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
