"""JSON logs that Cloud Logging parses (``severity``, ``message``), via python-json-logger.

Call :func:`setup_logging` once at process start; modules then use
``logging.getLogger(__name__)`` with lazy ``%s`` arguments. Fields passed in
``extra=`` become top-level JSON keys (e.g. ``stream_id``, ``seq``, timings).

Where a request carries a trace (W3C ``traceparent`` or Cloud Run's
``X-Cloud-Trace-Context``), :func:`use_trace` puts it on every line logged while
handling it as ``logging.googleapis.com/trace``, so Cloud Logging groups them.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from mediacore.settings import get_settings

TRACE_FIELD = "logging.googleapis.com/trace"
_trace: ContextVar[str | None] = ContextVar("trace", default=None)
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_CLOUD_TRACE = re.compile(r"^([0-9a-f]{32})(?:/|$)")


def trace_id(headers: Mapping[str, str]) -> str | None:
    """The trace id a request (or CloudEvent) carries, if any."""
    for key, pattern in (("traceparent", _TRACEPARENT), ("x-cloud-trace-context", _CLOUD_TRACE)):
        for name, value in headers.items():
            if name.lower() == key and (match := pattern.match(str(value).strip().lower())):
                return match.group(1)
    return None


def use_trace(headers: Mapping[str, str]) -> None:
    """Attach the request's trace to the lines this context logs (or clear it)."""
    found = trace_id(headers)
    _trace.set(f"projects/{get_settings().platform.project_id}/traces/{found}" if found else None)


class CloudLoggingFormatter(JsonFormatter):
    """Renames Python's level to Cloud Logging's ``severity``; adds the request's trace."""

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        log_record["severity"] = record.levelname
        log_record.pop("levelname", None)
        if trace := _trace.get():
            log_record[TRACE_FIELD] = trace


def setup_logging(level: str | None = None, json_lines: bool | None = None) -> None:
    settings = get_settings().log
    level = level or settings.level
    json_lines = settings.json_lines if json_lines is None else json_lines
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(
            CloudLoggingFormatter(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
