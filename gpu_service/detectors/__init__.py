"""Detector plugins, chosen by ``config.type``: ultralytics | darknet | auto."""

from __future__ import annotations

import logging

from gpu_service.config import AutoConfig, DarknetConfig, DetectorConfig, UltralyticsConfig
from gpu_service.detectors.base import Detector, ModelUnavailable

log = logging.getLogger(__name__)

__all__ = ["Detector", "ModelUnavailable", "create_detector"]


def _ultralytics(config: UltralyticsConfig) -> Detector:
    from gpu_service.detectors.ultralytics_detector import UltralyticsDetector

    return UltralyticsDetector(
        config.weights, config.device, config.imgsz, config.score_threshold, config.half
    )


def _darknet(config: DarknetConfig) -> Detector:
    from gpu_service.detectors.darknet import DarknetDetector

    return DarknetDetector(
        config.cfg,
        config.weights,
        config.names,
        config.input_size,
        config.score_threshold,
        config.nms_threshold,
    )


def create_detector(config: DetectorConfig) -> Detector:
    if isinstance(config, UltralyticsConfig):
        return _ultralytics(config)
    if isinstance(config, DarknetConfig):
        return _darknet(config)
    assert isinstance(config, AutoConfig)
    try:
        from gpu_service.detectors.ultralytics_detector import resolve_weights

        if resolve_weights(config.ultralytics.weights):
            detector = _ultralytics(config.ultralytics)
            log.info("detector auto -> ultralytics (%s)", detector.model)
            return detector
        reason = f"weights {config.ultralytics.weights!r} not on this machine"
    except (ImportError, ModelUnavailable) as exc:
        reason = str(exc)
    detector = _darknet(config.darknet)
    log.info("detector auto -> darknet (%s): ultralytics unavailable, %s", detector.model, reason)
    return detector
