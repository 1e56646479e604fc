"""JSON logs that Cloud Logging parses (``severity``, ``message``), via python-json-logger.

Call :func:`setup_logging` once at process start; modules then use
``logging.getLogger(__name__)`` with lazy ``%s`` arguments. Fields passed in
``extra=`` become top-level JSON keys (e.g. ``stream_id``, ``seq``, timings).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from mediacore.settings import get_settings


class CloudLoggingFormatter(JsonFormatter):
    """Renames Python's level to Cloud Logging's ``severity``."""

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        log_record["severity"] = record.levelname
        log_record.pop("levelname", None)


def setup_logging(level: str | None = None, json_lines: bool | None = None) -> None:
    settings = get_settings()
    level = level or settings.log_level
    json_lines = settings.log_json if json_lines is None else json_lines
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
