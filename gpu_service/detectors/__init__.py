"""Detector plugins, one module each, chosen by ``config.type`` (``MA_DETECTOR``).

``registry.py`` holds what registered; ``gpu_service.config`` discovers the
plugins (every module here) and builds the ``DetectorConfig`` union from them.
Shipped: ``ultralytics`` (ultralytics_detector.py), ``darknet`` (darknet.py) and
``auto`` (auto.py).
"""

from __future__ import annotations

from gpu_service.detectors.base import Detector, ModelUnavailable
from gpu_service.detectors.registry import create_detector

__all__ = ["Detector", "ModelUnavailable", "create_detector"]
