"""The product's settings, one section per concern, read from the environment once.

Every variable is declared here exactly once, with its default and the reason
for that default (MediaMTX style: the config documents itself). Our own
variables use the ``MA_`` prefix; the emulator variables keep the names the
Google client libraries read themselves, so one value configures both.

    settings.platform   project, bucket, emulators, Pub/Sub topics, bind address
    settings.api        the control API (functions/api): credentials, limits, playback
    settings.ingest     the RTMP edge and the segment uploader
    settings.analysis   the analyze function: backend, sampling, model service client
    settings.log        log level and format

Each section is a pydantic-settings class of its own (``Section``); ``Settings``
composes them. gpu_service's config (``gpu_service/config.py``) and the local
stack's ports (``local/ports.py``) are sections of the same kind, kept beside
the code that reads them. ``describe()`` renders any of them as a table:
``python -m mediacore.settings`` prints the product's, ``make settings`` all.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

# A field marked with this is not read from the environment: its value comes from
# another section (which declares the variable) or from a config file.
NOT_FROM_ENV: dict[str, Any] = {"env": False}


def reads_env(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return not (isinstance(extra, dict) and extra.get("env") is False)


class _SectionEnv(EnvSettingsSource):
    """The environment, minus the fields marked ``NOT_FROM_ENV``."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if not reads_env(field):
            return None, field_name, False
        return super().get_field_value(field, field_name)


class Section(BaseSettings):
    """One group of settings, read from the environment when it is built.

    A field's variable is ``env_prefix + NAME`` (``MA_`` unless the section says
    otherwise); an explicit ``validation_alias`` names it instead (pydantic-settings
    then applies no prefix).
    """

    model_config = SettingsConfigDict(
        env_prefix="MA_", frozen=True, extra="ignore", populate_by_name=True
    )

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, _SectionEnv(settings_cls), dotenv_settings, file_secret_settings)


class AnalyzerBackend(StrEnum):
    """Which engine labels the sampled frames; all write the same schema."""

    NONE = "none"  # visual measures only (brightness, colours, motion)
    LOCAL = "local"  # gpu_service over HTTP
    CLOUD_VISION = "cloud-vision"  # Google Cloud Vision


class PlatformSettings(Section):
    """Where things live: project, bucket, emulators, topics, the address to bind."""

    model_config = SettingsConfigDict(env_prefix="MA_")

    project_id: str = Field(
        "media-analyzer-local",
        validation_alias=AliasChoices("GOOGLE_CLOUD_PROJECT", "MA_PROJECT_ID"),
        description="GCP project (GOOGLE_CLOUD_PROJECT). The default is a local-only id "
        "that the emulators accept and no real project can have.",
    )
    bucket_url: str = Field(
        "gs://media-analyzer-local",
        description="Segment bucket as a URL; the scheme picks the storage adapter "
        "(gs:// for GCS and fake-gcs-server, s3:// for MinIO/S3).",
    )
    storage_emulator_host: str | None = Field(
        None,
        validation_alias="STORAGE_EMULATOR_HOST",
        description="fake-gcs-server URL (http://127.0.0.1:PORT). Unset means real GCS.",
    )
    s3_endpoint_url: str | None = Field(
        None,
        description="S3 endpoint for MinIO or another S3-compatible server. Unset means AWS. "
        "Credentials come from the usual AWS_* variables.",
    )
    s3_public_url: str | None = Field(
        None,
        description="The same S3 endpoint as a browser reaches it (MinIO published on the "
        "host: http://localhost:9000), when it differs from MA_S3_ENDPOINT_URL (a name only "
        "the containers resolve, e.g. http://minio:9000). Used only for the URLs handed to "
        "players: presigned URLs are signed for this host (SigV4 signs the Host header). "
        "Unset: MA_S3_ENDPOINT_URL.",
    )
    storage_deadline_s: float = Field(
        10.0,
        gt=0,
        le=30,
        description="Longest one bucket call may take, every retry included (the client "
        "libraries' own default is 120 s). An ingest upload that fails in time leaves the "
        "segment spooled for the next pass; an analysis read fails inside "
        "MA_ANALYSIS_DEADLINE_S and the event is delivered again.",
    )
    firestore_emulator_host: str | None = Field(
        None,
        validation_alias="FIRESTORE_EMULATOR_HOST",
        description="Firestore emulator host:port. Unset means real Firestore.",
    )
    pubsub_emulator_host: str | None = Field(
        None,
        validation_alias="PUBSUB_EMULATOR_HOST",
        description="Pub/Sub emulator host:port. Unset means real Pub/Sub.",
    )
    segments_topic: str = Field(
        "segment-events",
        description="Pub/Sub topic that bucket finalize notifications go to.",
    )
    analyze_subscription: str = Field(
        "analyze-push",
        description="Push subscription that delivers segment events to the analyze function.",
    )
    backfill_topic: str = Field(
        "segment-backfill",
        description="Pub/Sub topic a backfill publishes one message per segment to; a push "
        "subscription delivers them to analyze with Pub/Sub's retries. Empty: the backfill "
        "runs inline in the caller (compose / KIND without Pub/Sub).",
    )
    backfill_subscription: str = Field(
        "backfill-push", description="Push subscription: backfill topic -> analyze function."
    )
    host: str = Field(
        "127.0.0.1",
        description="Address every local service binds to. Loopback: nothing is exposed "
        "beyond this machine unless you change it (containers set 0.0.0.0).",
    )

    @property
    def bucket_scheme(self) -> str:
        return self.bucket_url.split("://", 1)[0]

    @property
    def bucket_name(self) -> str:
        return self.bucket_url.split("://", 1)[1].strip("/")


# Secrets shipped as examples (.env.example): a process that finds one refuses to start.
PLACEHOLDER_SECRET = "change-me"
# Time a segment's analysis keeps after its model calls, for the write (Firestore calls
# retry for at most 10 s, functions/results.py).
WRITE_RESERVE_S = 10.0


class ApiSettings(Section):
    """The control API (functions/api): who may call it, its limits, playback URLs."""

    # Errors never echo the input: it holds secrets.
    model_config = SettingsConfigDict(env_prefix="MA_API_", hide_input_in_errors=True)

    keys: list[str] = Field(
        [],
        description="API keys accepted by the control API (JSON list; header X-API-Key). "
        "On GCP they come from Secret Manager. Compared in constant time, never logged.",
    )
    dev_token: str | None = Field(
        None,
        description="Development bearer token for the control API (full control). Honoured "
        "only while every emulator the API uses is on loopback (the embedded stack, which "
        "sets it for its dashboard) and only for requests addressed to a loopback name; "
        "anywhere else it is ignored.",
    )
    admin_claim: str = Field(
        "admin",
        description="Firebase custom claim a user needs (true) for control endpoints (and "
        "reads). Any Google account can sign in, so signing in alone grants nothing.",
    )
    viewer_claim: str = Field(
        "viewer",
        description="Firebase custom claim a user needs (true) to read streams, results and "
        "brands through the API and Firestore. Anonymous sign-ins never count.",
    )
    allowed_hosts: list[str] = Field(
        [],
        description="Host names the API answers (JSON list; ports ignored). Empty: any, "
        "except in the embedded stack, which answers loopback names only. Set it where the "
        "API listens on loopback or a private network (compose), so a web page that "
        "rebinds its DNS name to that address cannot reach it.",
    )
    public_read: bool = Field(
        False,
        description="Let anyone read stream lists, details and brand summaries without a "
        "credential (a public status page). Control endpoints always need one.",
    )
    max_body_bytes: int = Field(
        8 * 2**20, ge=1024, description="Largest request body the API accepts (logo uploads)."
    )
    page_size: int = Field(50, ge=1, le=500, description="Default page size of lists.")
    playback_base_url: str | None = Field(
        None,
        validation_alias="MA_PLAYBACK_BASE_URL",
        description="Base URL of the control API that players get the live playlist from "
        "(/v1/streams/{id}/playlist.m3u8, segments signed or proxied; the bucket stays "
        "private). Unset: the bucket's own URL, for public buckets.",
    )
    playback_url_ttl_s: int = Field(
        600,
        ge=60,
        le=7 * 24 * 3600,
        validation_alias="MA_PLAYBACK_URL_TTL_S",
        description="Lifetime of the signed segment URLs in the API's playlists. Players "
        "re-read a live playlist every segment, so each URL is fresh when fetched.",
    )
    cors_origins: list[str] = Field(
        ["http://127.0.0.1:4200", "http://localhost:4200"],
        validation_alias="MA_CORS_ORIGINS",
        description="Origins allowed to call the API and read the bucket from a browser "
        "(the dashboard; HLS playback).",
    )
    logo_catalogue_dir: str = Field(
        str(
            Path(__file__).resolve().parent.parent / "functions/catalogue/node_modules/simple-icons"
        ),
        validation_alias="MA_LOGO_CATALOGUE_DIR",
        description="The bundled logo catalogue (simple-icons: icons/*.svg and "
        "data/simple-icons.json) that /v1/catalogue searches and adds logos from. Default: "
        "the repository's functions/catalogue (npm ci in `make setup`); the functions image "
        "sets its own copy. Missing: the catalogue routes answer 503, nothing else changes.",
    )
    firebase_auth_emulator_host: str | None = Field(
        None,
        validation_alias="FIREBASE_AUTH_EMULATOR_HOST",
        description="Firebase Auth emulator host:port: ID tokens are then accepted unsigned, "
        "as the emulator issues them. Unset means real Firebase Auth.",
    )

    @field_validator("keys", "dev_token")
    @classmethod
    def _no_placeholder(cls, value, info):
        values = value if isinstance(value, list) else [value or ""]
        if any(v.strip().lower().startswith(PLACEHOLDER_SECRET) for v in values):
            name = f"MA_API_{info.field_name.upper()}"
            raise ValueError(
                f"{name} holds a placeholder ({PLACEHOLDER_SECRET}...): generate a secret, "
                "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(24))'"
            )
        return value


class IngestSettings(Section):
    """The RTMP edge (nginx-rtmp, its publish hooks) and the segment uploader."""

    model_config = SettingsConfigDict(env_prefix="MA_")

    rtmp_host: str = Field(
        "127.0.0.1",
        description="Address nginx-rtmp listens on for publishers. Loopback by default; "
        "0.0.0.0 in a container or on an ingest VM.",
    )
    rtmp_port: int = Field(1935, description="RTMP port (the protocol's standard).")
    rtmp_public_url: str | None = Field(
        None,
        description="RTMP URL to show publishers (OBS 'Server'). Unset: "
        "rtmp://{MA_RTMP_HOST}:{MA_RTMP_PORT}/live.",
    )
    rtmp_backend_port: int = Field(
        19350,
        description="Loopback port of nginx-rtmp itself. Publishers reach it only through "
        "MA_RTMP_PORT, whose per-address connection limit it sits behind.",
    )
    rtmp_connections_per_address: int = Field(
        10,
        ge=1,
        description="RTMP connections one client address may hold at once; more are closed "
        "on accept, so one address cannot take every connection slot with idle "
        "connections. OBS uses one per stream; raise it for many encoders behind one NAT.",
    )
    rtmp_timeout_s: int = Field(
        10,
        ge=1,
        description="An RTMP connection that has not finished its handshake after this long "
        "is closed (nginx-rtmp's 'timeout', also its send timeout; its default is 60 s). "
        "Keeps idle connections from holding slots.",
    )
    port: int = Field(
        8086,
        validation_alias="MA_INGEST_PORT",
        description="Ingest's HTTP port: nginx publish hooks, /healthz, /metrics.",
    )
    hooks_url: str | None = Field(
        None,
        validation_alias="MA_INGEST_HOOKS_URL",
        description="Where nginx calls the publish hooks. Unset: the ingest service on this "
        "host (http://127.0.0.1:{MA_INGEST_PORT} when it listens on all addresses).",
    )
    publish_recheck_s: int = Field(
        10,
        ge=1,
        description="nginx re-checks a running publish this often (on_update): a rotated key "
        "or a deleted stream drops its publisher within about this long. Each check is one "
        "small Firestore read and write per live stream.",
    )
    drop_idle_publisher_s: int = Field(
        10,
        ge=1,
        description="Drop a publisher that sent nothing for this long; its partial "
        "segment is still uploaded. OBS reconnects on its own within ~10 s.",
    )
    hls_fragment_s: int = Field(
        2,
        ge=1,
        description="HLS segment length. nginx cuts at the first keyframe after it, so "
        "publishers should send a keyframe every 2 s.",
    )
    hls_playlist_length_s: int = Field(
        60,
        ge=10,
        description="nginx playlist window: how long a finished segment stays listed for "
        "the uploader. Files that fall out of it are still uploaded by the rescan.",
    )
    playback_window: int = Field(
        30, ge=3, description="Segments listed in the bucket's live playback playlist."
    )
    upload_workers: int = Field(
        4, ge=1, description="Concurrent segment uploads (across streams; one per stream)."
    )
    rescan_interval_s: float = Field(
        2.0,
        gt=0,
        description="Uploader safety-net rescan, on top of inotify; also the retry tick "
        "for failed uploads.",
    )
    spool_max_mb: float = Field(
        2048,
        gt=0,
        description="Most video one stream may keep on disk while the bucket cannot take it "
        "(2 GiB: ~45 min at 6 Mbit/s). Beyond it the oldest waiting segments are dropped, "
        "counted on the stream document (ingest.dropped): the newest airtime is kept.",
    )
    spool_min_free_mb: float = Field(
        512,
        ge=0,
        description="Disk space the uploader keeps free for nginx to write new fragments "
        "(~2 MB per stream and segment): below it the oldest waiting segments are dropped "
        "(counted the same way), so a full disk never stops the live stream. 0: never drop "
        "for disk space.",
    )
    data_dir: str = Field(
        "var",
        description="Where ingest spools HLS fragments and the local stack keeps its state "
        "(bucket files). On disk, not in memory, so a crash loses no segment.",
    )

    @property
    def rtmp_url(self) -> str:
        """The OBS "Server" field for this deployment."""
        return self.rtmp_public_url or f"rtmp://{self.rtmp_host}:{self.rtmp_port}/live"


class AnalysisSettings(Section):
    """The analyze function: which backend labels frames, how frames are sampled."""

    # Errors never echo the input: the webhook token is a secret.
    model_config = SettingsConfigDict(env_prefix="MA_", hide_input_in_errors=True)

    backend: AnalyzerBackend = Field(
        AnalyzerBackend.NONE,
        validation_alias="MA_ANALYZER_BACKEND",
        description="none | local | cloud-vision. 'none' computes only the model-free "
        "visual measures, so the pipeline runs with no model service at all.",
    )
    gpu_service_url: str = Field(
        "http://127.0.0.1:8090", description="Base URL of gpu_service (backend 'local')."
    )
    gpu_service_auth: bool = Field(
        False,
        description="Send a Google ID token to gpu_service (Cloud Run with IAM-only access: "
        "the function's identity holds run.invoker). Off for the local stack and compose.",
    )
    analysis_deadline_s: float = Field(
        50.0,
        gt=0,
        description="One segment's whole analysis (read, decode, models, write) ends within "
        "this, inside every deadline above it: the request timeout of Cloud Run / Knative "
        "(60 s) and the Pub/Sub push ack deadline (60 s here, 120 s for GCP backfills). "
        "Otherwise the event is delivered again while its first delivery still runs.",
    )
    model_budget_s: float = Field(
        30.0,
        gt=0,
        description="Total time for one segment's model calls, every retry and backoff "
        "included; each try gets what is left (at most MA_GPU_TIMEOUT_S / "
        "MA_CLOUD_VISION_TIMEOUT_S) and tells gpu_service when it stops waiting, so an "
        "abandoned job is dropped there. Spent: the event is handed back (5xx) in time. "
        "Also ends 10 s before MA_ANALYSIS_DEADLINE_S, which leaves the write its time.",
    )
    gpu_timeout_s: float = Field(
        20.0,
        gt=0,
        description="Longest single request to gpu_service (within MA_MODEL_BUDGET_S).",
    )
    gpu_retries: int = Field(
        3,
        ge=0,
        description="Retries (with backoff 0.5, 1, 2 s ...) on gpu_service 5xx/503 or no "
        "answer while MA_MODEL_BUDGET_S lasts, before the segment's event is handed back "
        "for redelivery.",
    )
    cloud_vision_endpoint: str | None = Field(
        None,
        description="Cloud Vision API endpoint (backend 'cloud-vision'). Unset: the global "
        "vision.googleapis.com; set eu-vision.googleapis.com / us-vision.googleapis.com to "
        "keep data in a region. An http:// URL (tests) is called without credentials.",
    )
    cloud_vision_max_results: int = Field(
        10, ge=1, le=50, description="Most objects / logos / labels Cloud Vision returns per frame."
    )
    cloud_vision_timeout_s: float = Field(
        20.0,
        gt=0,
        description="Longest single request to Cloud Vision (within MA_MODEL_BUDGET_S).",
    )
    inference_side: int = Field(
        1280,
        ge=160,
        description="Long side frames are scaled to before they go to the models: logos "
        "need detail, the detectors themselves look at 416-640.",
    )
    scene_labels: list[str] = Field(
        [
            "a sports event",
            "a concert",
            "a news studio",
            "a street",
            "an office",
            "a kitchen",
            "a store",
            "nature",
            "a video game",
            "a person talking to the camera",
        ],
        description="Zero-shot scene labels CLIP ranks for every frame (JSON list).",
    )
    brands: list[str] = Field(
        [],
        description="Brand names CLIP looks for in frames and held objects (JSON list); "
        "logo images in the brand library are matched regardless.",
    )
    sample_fps: float = Field(
        0.0,
        ge=0.0,
        description="Frames per second to sample from each segment. 0 samples keyframes "
        "only, which needs no full decode (~14 ms per 1080p keyframe vs ~230 ms per "
        "2 s segment) and gives ~0.5-1 fps on a 1-2 s GOP.",
    )
    batch_sample_fps: float = Field(
        5.0, gt=0.0, description="Sampling rate in batch mode, where throughput wins."
    )
    keyframe_spacing_s: float = Field(
        1.0,
        ge=0.0,
        description="Least time between two sampled frames when sampling keyframes: ~1 fps "
        "whatever the GOP. An all-intra 60 fps stream (every frame a keyframe) would "
        "otherwise send 60 frames a second to the models: 60x the Cloud Vision bill.",
    )
    max_frames_per_segment: int = Field(
        20,
        ge=1,
        le=64,
        description="Most frames analysed per segment in any mode, spread evenly over it. A "
        "2 s segment in batch mode needs 10; an 8 s fragment (OBS 'auto' keyframes) would "
        "need 40. Bounds the cost per segment and stays within gpu_service's 64-frame "
        "request limit (MA_LIMITS_MAX_FRAMES).",
    )
    realtime_max_lag_segments: float = Field(
        3.0,
        gt=0,
        description="Realtime mode: a segment whose end is more than this many segment "
        "durations behind the wall clock is marked skipped instead of analysed, so a "
        "backlog never makes results fall further behind. Batch mode never skips.",
    )
    text_interval_s: float = Field(
        2.0,
        gt=0,
        description="Realtime mode: least time between two frames read by OCR (about 0.6 "
        "CPU-s per frame, against ~0.05 for the logo path): one frame per 2 s segment. "
        "Text on screen usually stays for seconds, so reading every keyframe pays little.",
    )
    batch_text_interval_s: float = Field(
        1.0, gt=0, description="Batch mode and backfills: least time between two OCR frames."
    )
    text_min_score: float = Field(
        0.5, ge=0, le=1, description="OCR lines read with less confidence are dropped."
    )
    speech_context_s: float = Field(
        3.0,
        ge=0,
        description="Seconds of the previous segment's audio sent before each segment's own "
        "(the transcription window), so a word cut by the boundary is heard whole.",
    )
    speech_hold_s: float = Field(
        0.6,
        ge=0,
        description="Words starting in a segment's last this-many seconds are stored by the "
        "next segment, whose window holds them whole (each word is stored once). Adds this "
        "much to a mention's delay at worst.",
    )
    transcript_language: str | None = Field(
        "en", description="Language of the streams' speech (ISO 639-1); unset: detected."
    )
    speech_min_probability: float = Field(
        0.15,
        ge=0,
        le=1,
        description="A spoken brand counts when its words' mean probability reaches this "
        "(doubtful ones, under 0.35, also must not look like Whisper echoing its hotwords). "
        "Chosen on the signals bench (bench/signals.md: 60 clips in 5 seed sets, music or "
        "crowd noise at 10-20 dB SNR, random brands and voices, 373 spoken brands): the "
        "lowest value within 1 false mention per 10 min of speech (recall 0.59, 0.91 false "
        "per 10 min; 0.05 gave 0.68 with 2.3 false). Lower it to hear more rare names.",
    )
    text_default: bool = Field(
        True, description="Read brand names on screen for streams that set no switch."
    )
    speech_default: bool = Field(
        True, description="Transcribe speech for streams that set no switch."
    )
    shed_text_lag_segments: float = Field(
        1.0,
        ge=0,
        description="Realtime mode: OCR is dropped for a segment that ends more than this many "
        "segment durations behind live (said on the segment); the logos go on.",
    )
    shed_speech_lag_segments: float = Field(
        2.0,
        ge=0,
        description="Realtime mode: speech is dropped past this lag (after text, before the "
        "whole segment is skipped at MA_REALTIME_MAX_LAG_SEGMENTS).",
    )
    mode_cache_s: float = Field(
        5.0, ge=0, description="How long a function instance trusts a stream's cached mode."
    )
    thumb_width: int = Field(
        160,
        ge=16,
        description="Width frames are scaled to for the visual measures: colour share and "
        "brightness are stable at this size and it costs ~1% of a full-size pass.",
    )
    dominant_colors: int = Field(5, ge=1, le=16, description="Dominant colours kept per frame.")
    backfill_max_segments: int = Field(
        3600,
        ge=1,
        description="Most segments one backfill request may cover (2 h of 2 s segments); "
        "split longer ranges so each request's progress stays one small document.",
    )
    webhook_token: SecretStr | None = Field(
        None,
        description="Shared secret the MinIO/S3 bucket webhook (analyze_webhook) must send as "
        "'Authorization: Bearer TOKEN' (MinIO: MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>, the same "
        "value). Unset: the webhook refuses every call (503, so MinIO keeps its queue) rather "
        "than let anyone who reaches it have segments analysed. Compared in constant time, "
        "never logged.",
    )

    @field_validator("webhook_token")
    @classmethod
    def _no_placeholder_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value and value.get_secret_value().strip().lower().startswith(PLACEHOLDER_SECRET):
            raise ValueError(
                f"MA_WEBHOOK_TOKEN holds a placeholder ({PLACEHOLDER_SECRET}...): generate a "
                "secret and give MinIO the same one"
            )
        return value

    @model_validator(mode="after")
    def _deadlines_nest(self) -> AnalysisSettings:
        if self.model_budget_s + WRITE_RESERVE_S > self.analysis_deadline_s:
            raise ValueError(
                f"MA_MODEL_BUDGET_S ({self.model_budget_s}) must end {WRITE_RESERVE_S} s before "
                f"MA_ANALYSIS_DEADLINE_S ({self.analysis_deadline_s}): the write needs its time"
            )
        return self

    metrics_port: int = Field(
        0,
        ge=0,
        description="Port of the analyze function's Prometheus /metrics (0: off, as on Cloud "
        "Run, where the per-stage JSON log lines feed log-based metrics).",
    )
    logo_bucket_prefix: str | None = Field(
        "brands/",
        description="Bucket prefix of the managed logo library ({prefix}{brand}/{image}), "
        "where the control API stores uploaded logos and gpu_service reads them. Empty: "
        "gpu_service uses its folder only.",
    )


class LogSettings(Section):
    """How every process logs."""

    model_config = SettingsConfigDict(env_prefix="MA_LOG_")

    level: str = Field("INFO", description="Python log level.")
    json_lines: bool = Field(
        True,
        validation_alias="MA_LOG_JSON",
        description="JSON log lines with Cloud Logging's fields (severity, message). "
        "Set false for plain text when reading logs by eye.",
    )


class Settings(BaseModel):
    """The product's settings: one section per concern, each read from the environment."""

    model_config = ConfigDict(frozen=True)

    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    log: LogSettings = Field(default_factory=LogSettings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()


def sections(model: type[BaseModel], prefix: str = "") -> dict[str, type[BaseSettings]]:
    """The sections a composite model is made of, by attribute path (e.g. ``analysis``)."""
    found = {}
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseSettings):
            found[f"{prefix}{name}"] = kind
    return found


PRODUCT_SECTIONS: dict[str, type[BaseSettings]] = sections(Settings)


def env_names(section: type[BaseSettings]) -> dict[str, list[str]]:
    """Field name -> the environment variables it is read from (the first is documented).

    Fields marked ``NOT_FROM_ENV`` are left out: another section declares them.
    """
    prefix = section.model_config.get("env_prefix", "")
    found = {}
    for name, field in section.model_fields.items():
        if not reads_env(field):
            continue
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names = [choice for choice in alias.choices if isinstance(choice, str)]
        elif isinstance(alias, str):
            names = [alias]
        else:
            names = [f"{prefix}{name}".upper()]
        found[name] = names
    return found


def _default(field: FieldInfo) -> Any:
    default = field.get_default(call_default_factory=False)
    return default.value if isinstance(default, StrEnum) else default


def describe(sections: Mapping[str, type[BaseSettings]] = PRODUCT_SECTIONS) -> str:
    """A Markdown table of every variable of these sections: its default and why."""
    rows = ["| section | variable | default | what and why |", "|---|---|---|---|"]
    for where, section in sections.items():
        for name, names in env_names(section).items():
            field = section.model_fields[name]
            variable = " or ".join(f"`{n}`" for n in names)
            why = (field.description or "").replace("|", "\\|")
            rows.append(f"| {where} | {variable} | `{_default(field)}` | {why} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print("## Product settings (mediacore/settings.py)\n")
    print(describe())
