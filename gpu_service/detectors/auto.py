"""Plugin ``auto``: ultralytics when its weights resolve on this machine, else darknet.

Its config nests the two it chooses between, each read from its own variables
(``MA_YOLO_WEIGHTS``, ``MA_ULTRALYTICS_*``, ``MA_DARKNET_*``) unless a config file sets
them.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gpu_service.detectors.base import Detector, ModelUnavailable
from gpu_service.detectors.darknet import DarknetConfig
from gpu_service.detectors.registry import register
from gpu_service.detectors.ultralytics_detector import UltralyticsConfig, resolve_weights
from mediacore.settings import NOT_FROM_ENV, Section

log = logging.getLogger(__name__)

NAME = "auto"


class AutoConfig(Section):
    """Detector ``auto``: ultralytics when its weights resolve on this machine, else darknet."""

    model_config = SettingsConfigDict(env_prefix="MA_AUTO_")

    type: Literal["auto"] = Field(
        NAME, json_schema_extra=NOT_FROM_ENV, description="Plugin name (MA_DETECTOR)."
    )
    ultralytics: UltralyticsConfig = Field(
        default_factory=UltralyticsConfig,
        json_schema_extra=NOT_FROM_ENV,
        description="The ultralytics detector tried first.",
    )
    darknet: DarknetConfig = Field(
        default_factory=DarknetConfig,
        json_schema_extra=NOT_FROM_ENV,
        description="The darknet detector used when ultralytics is unavailable.",
    )

    def create(self) -> Detector:
        try:
            if resolve_weights(self.ultralytics.weights):
                detector = self.ultralytics.create()
                log.info("detector auto -> ultralytics (%s)", detector.model)
                return detector
            reason = f"weights {self.ultralytics.weights!r} not on this machine"
        except (ImportError, ModelUnavailable) as exc:
            reason = str(exc)
        detector = self.darknet.create()
        log.info(
            "detector auto -> darknet (%s): ultralytics unavailable, %s", detector.model, reason
        )
        return detector


register(NAME, AutoConfig)
