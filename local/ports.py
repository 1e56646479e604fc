"""The embedded local stack's ports: what `make run` listens on, and only it.

The product's own ports stay with their units (ingest's ``MA_INGEST_PORT`` and
``MA_RTMP_PORT`` in ``mediacore.settings``, gpu_service's ``MA_GPU_SERVICE_PORT``
in ``gpu_service.config``); the emulators, the functions-framework processes and
the dashboard get theirs here. ``python -m local.ports`` prints them.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gpu_service.config import ServerConfig
from mediacore.settings import NOT_FROM_ENV, Section, describe


def _gpu_service_port() -> int:
    return ServerConfig().port


class StackPorts(Section):
    """Ports of the local stack's processes (every one can be moved: tests pick free ones)."""

    model_config = SettingsConfigDict(env_prefix="MA_")

    firestore_port: int = Field(8780, description="Firestore emulator port (local stack).")
    pubsub_port: int = Field(8785, description="Pub/Sub emulator port (local stack).")
    gcs_port: int = Field(4443, description="fake-gcs-server port (local stack).")
    analyze_port: int = Field(8080, description="analyze function port (Cloud Run's default).")
    analyze_metrics_port: int = Field(
        9464, description="Local stack: the analyze function's /metrics port (MA_METRICS_PORT)."
    )
    api_port: int = Field(8081, description="Control API port (local stack).")
    dashboard_port: int = Field(4200, description="Dashboard port (local stack, `make run`).")
    auth_port: int = Field(9099, description="Firebase Auth emulator port (local stack).")
    auth_hub_port: int = Field(
        4400, description="Firebase emulator hub port (firebase-tools needs one; local stack)."
    )
    auth_logging_port: int = Field(
        4500, description="Firebase emulator logging port (firebase-tools needs one)."
    )
    gpu_service_port: int = Field(
        default_factory=_gpu_service_port,
        json_schema_extra=NOT_FROM_ENV,
        description="gpu_service's port, as gpu_service reads it (MA_GPU_SERVICE_PORT).",
    )


SECTIONS = {"local.ports": StackPorts}

if __name__ == "__main__":
    print("## Local stack ports (local/ports.py)\n")
    print(describe(SECTIONS))
