"""Is a host (or ``host:port``, as in a Host header or an emulator variable) this machine's
loopback? Used to keep development credentials to the embedded stack and to refuse
DNS-rebinding requests: a browser sends the rebound name, never a loopback one."""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = {"localhost"}


def hostname(host_port: str) -> str:
    """'127.0.0.1:8081' -> '127.0.0.1', '[::1]:80' -> '::1', 'Name:80' -> 'name'."""
    host = host_port.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host_port: str | None) -> bool:
    host = hostname(host_port or "")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
