"""Render the nginx-rtmp config from ``nginx.conf.template`` and run nginx in the foreground.

nginx runs as an ordinary process (no system service): its prefix, pid file
and HLS output live under the ingest's data folder, its log goes to stderr.
"""

from __future__ import annotations

import getpass
import os
import secrets
from pathlib import Path
from string import Template

from mediacore.settings import Settings

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
MODULE_DIRS = ("/usr/lib/nginx/modules", "/usr/share/nginx/modules")


def hls_root(settings: Settings) -> Path:
    return Path(settings.ingest.data_dir).resolve() / "hls"


def module(name: str, package: str) -> str:
    for folder in MODULE_DIRS:
        path = Path(folder) / f"ngx_{name}_module.so"
        if path.exists():
            return str(path)
    raise FileNotFoundError(f"nginx {name} module not found: apt-get install nginx {package}")


def hooks_url(settings: Settings) -> str:
    if settings.ingest.hooks_url:
        return settings.ingest.hooks_url.rstrip("/")
    host = settings.platform.host
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{host}:{settings.ingest.port}"


def render(settings: Settings) -> str:
    ingest = settings.ingest
    prefix = Path(ingest.data_dir).resolve() / "nginx"
    # As root, nginx would hand its worker to 'nobody', which cannot write the HLS
    # folder we own; keep the worker as the user who started it.
    user_line = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    return Template(TEMPLATE.read_text()).substitute(
        rtmp_module=module("rtmp", "libnginx-mod-rtmp"),
        stream_module=module("stream", "libnginx-mod-stream"),
        user_line=user_line,
        prefix=prefix,
        log_level="warn",
        listen=f"{ingest.rtmp_host}:{ingest.rtmp_port}",
        backend=f"127.0.0.1:{ingest.rtmp_backend_port}",
        per_address=ingest.rtmp_connections_per_address,
        timeout=f"{ingest.rtmp_timeout_s}s",
        drop_idle=f"{ingest.drop_idle_publisher_s}s",
        hooks_url=hooks_url(settings),
        instance=secrets.token_hex(8),  # new at each start: an old nginx's sessions are gone
        recheck=f"{ingest.publish_recheck_s}s",
        hls_path=hls_root(settings),
        fragment=f"{ingest.hls_fragment_s}s",
        playlist_length=f"{ingest.hls_playlist_length_s}s",
    )


def write_config(settings: Settings) -> Path:
    prefix = Path(settings.ingest.data_dir).resolve() / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    hls_root(settings).mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(render(settings))
    return config


def command(settings: Settings) -> list[str]:
    config = write_config(settings)
    return ["nginx", "-p", str(config.parent), "-c", str(config)]
