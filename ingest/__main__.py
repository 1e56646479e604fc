"""``python -m ingest``: the ingest's command line.

python -m ingest create "Studio A" [--id studio-a]   # a stream + its key, printed once
python -m ingest serve                               # publish hooks + uploader
python -m ingest nginx                               # render nginx.conf, run nginx
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from mediacore.logs import setup_logging
from mediacore.settings import get_settings

log = logging.getLogger("ingest")


def _registry():
    from mediacore.streams import StreamRegistry

    return StreamRegistry.for_project(get_settings().platform.project_id)


def create(args) -> int:
    from mediacore.names import InvalidName
    from mediacore.streams import StreamExists

    settings = get_settings()
    try:
        stream = _registry().create(args.name, args.id)
    except (StreamExists, InvalidName) as exc:
        print(f"cannot create stream: {exc}", file=sys.stderr)
        return 1
    print(f"Stream '{stream.name}' created (id {stream.stream_id}). In OBS, Settings > Stream:")
    print("  Service:    Custom...")
    print(f"  Server:     {settings.ingest.rtmp_url}")
    print(f"  Stream Key: {stream.stream_key}")
    print(f"Settings > Output: Keyframe Interval {settings.ingest.hls_fragment_s} s.")
    print("The key is shown only this once; only its hash is stored.")
    return 0


def serve(_args) -> int:
    from waitress import serve as waitress_serve

    from ingest.hooks import create_app
    from ingest.nginx import hls_root
    from ingest.uploader import Uploader
    from mediacore.storage import open_store

    settings = get_settings()
    registry = _registry()
    uploader = Uploader(settings, open_store(settings), registry, hls_root(settings))
    uploader.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        log.info("ingest hooks on http://%s:%d", settings.platform.host, settings.ingest.port)
        waitress_serve(
            create_app(registry, uploader),
            host=settings.platform.host,
            port=settings.ingest.port,
            threads=8,
            _quiet=True,
        )
    finally:
        uploader.stop()
    return 0


def nginx(_args) -> int:
    from ingest.nginx import command

    argv = command(get_settings())
    sys.stdout.flush()
    os.execvp(argv[0], argv)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create", help="register a stream and print its OBS settings")
    make.add_argument("name")
    make.add_argument("--id", help="stream id (default: from the name)")
    make.set_defaults(run=create)
    commands.add_parser("serve", help="publish hooks + uploader").set_defaults(run=serve)
    commands.add_parser("nginx", help="render the config and run nginx").set_defaults(run=nginx)
    args = parser.parse_args(argv)
    setup_logging()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
