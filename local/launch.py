"""Procfile entry: ``python -m local.launch NAME`` waits for NAME's dependencies, then runs it.

Long-running services replace this process (``exec``) so that the Procfile
runner (honcho) signals them directly and ``Ctrl-C`` stops them cleanly.
``bootstrap`` wires the services together, writes ``var/stack.json``, prints
where everything is and then waits: honcho stops the whole stack as soon as any
process exits, so a one-shot step must stay up (and a failed bootstrap stops
everything with its error, which is what we want).
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import sys

from local import services
from local.ports import StackPorts
from mediacore import firestore_access
from mediacore.logs import setup_logging
from mediacore.settings import Settings

log = logging.getLogger("local.launch")


def _exec(argv: list[str], env: dict[str, str]) -> None:
    sys.stdout.flush()
    os.execvpe(argv[0], argv, env)


def main(name: str) -> int:
    ports = StackPorts()
    env = {**os.environ, **services.emulator_env(Settings(), ports)}
    os.environ.update(env)
    settings = Settings()  # again, now with the emulator variables set
    host, ingest = settings.platform.host, settings.ingest
    setup_logging(json_lines=False)

    if name == "firestore":
        _exec(services.firestore_command(settings, ports), env)
    elif name == "pubsub":
        _exec(services.pubsub_command(settings, ports), env)
    elif name == "gcs":
        services.wait_pubsub(settings, ports)
        services.ensure_topic(settings)  # fake-gcs-server needs the topic at start
        _exec(services.gcs_command(settings, ports), env)
    elif name == "analyze":
        services.wait_firestore(settings, ports)
        env.setdefault("MA_METRICS_PORT", str(ports.analyze_metrics_port))
        _exec(services.analyze_command(settings, ports), env)
    elif name == "api":
        services.wait_firestore(settings, ports)
        env.setdefault("MA_API_DEV_TOKEN", services.dev_token(settings))
        _exec(services.api_command(settings, ports), env)
    elif name == "dashboard":
        _exec([sys.executable, "-m", "local.dashboard"], env)
    elif name == "auth":
        os.chdir(services.auth_workdir(settings, ports))
        _exec(services.auth_command(settings), {**env, "NO_UPDATE_NOTIFIER": "1"})
    elif name == "ingest":
        services.wait_gcs(settings, ports)
        services.wait_firestore(settings, ports)
        _exec([sys.executable, "-m", "ingest", "serve"], env)
    elif name == "nginx":
        services.wait_tcp(host, ingest.port)  # hooks answer before publishers
        _exec([sys.executable, "-m", "ingest", "nginx"], env)
    elif name == "gpu":
        # Loads its models in the background; /readyz says when they are in.
        _exec([sys.executable, "-m", "gpu_service"], env)
    elif name == "bootstrap":
        services.ready_file(settings).unlink(missing_ok=True)
        services.wait_gcs(settings, ports)
        services.wait_firestore(settings, ports)
        services.wait_analyze(settings, ports)
        services.wait_tcp(ingest.rtmp_host, ingest.rtmp_port)
        services.wait_tcp(host, ports.api_port)
        services.ensure_bucket(settings)
        services.load_firestore_rules(settings, ports)
        firestore_access.publish_access(settings)
        services.seed_accounts(settings, ports)
        platform = settings.platform
        services.ensure_push_subscription(
            settings, ports, platform.segments_topic, platform.analyze_subscription
        )
        if platform.backfill_topic:
            services.ensure_push_subscription(
                settings, ports, platform.backfill_topic, platform.backfill_subscription
            )
        info = services.write_ready(settings, ports)
        log.info("local stack ready: bucket %s, analyze %s", info["bucket"], info["analyze"])
        for key, value in info["env"].items():
            log.info("  export %s=%s", key, value)
        for line in services.sign_in_lines(info):
            log.info("%s", line)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            services.ready_file(settings).unlink(missing_ok=True)
    elif name == "env":
        # For a shell next to `make run`: eval "$(.venv/bin/python -m local.launch env)"
        for key, value in services.emulator_env(settings, ports).items():
            print(f"export {key}={shlex.quote(value)}")
    else:
        print(f"unknown service {name!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
