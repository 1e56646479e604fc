"""Analyzer backends: who labels the sampled frames. Same result shape for all.

- ``none``: nothing; the segment carries the visual measures only.
- ``local``: gpu_service over HTTP (:mod:`functions.backends.local`).
- ``cloud-vision``: Google Cloud Vision (:mod:`functions.backends.cloud_vision`).

Adding one: a module here with a class following :class:`~functions.backends.base.Backend`,
and its name in :func:`create_backend`.
"""

from __future__ import annotations

from functions.backends.base import Backend, BackendResult
from mediacore.settings import AnalyzerBackend, Settings

__all__ = ["Backend", "BackendResult", "create_backend"]


def create_backend(settings: Settings) -> Backend | None:
    if settings.analysis.backend is AnalyzerBackend.LOCAL:
        from functions.backends.local import LocalBackend

        return LocalBackend(settings)
    if settings.analysis.backend is AnalyzerBackend.CLOUD_VISION:
        from functions.backends.cloud_vision import CloudVisionBackend

        return CloudVisionBackend(settings)
    return None
