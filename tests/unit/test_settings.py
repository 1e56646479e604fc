import pytest
from pydantic import ValidationError

from gpu_service.config import sections as gpu_sections
from local.ports import SECTIONS as STACK_SECTIONS
from local.ports import StackPorts
from mediacore.settings import (
    PRODUCT_SECTIONS,
    AnalyzerBackend,
    PlatformSettings,
    Settings,
    describe,
    env_names,
)
from mediacore.storage import GcsStore, S3Store, open_store

ALL_SECTIONS = {**PRODUCT_SECTIONS, **gpu_sections(), **STACK_SECTIONS}


@pytest.fixture
def clean_env(monkeypatch):
    for key in (
        "GOOGLE_CLOUD_PROJECT",
        "FIRESTORE_EMULATOR_HOST",
        "PUBSUB_EMULATOR_HOST",
        "STORAGE_EMULATOR_HOST",
        "MA_BUCKET_URL",
        "MA_ANALYZER_BACKEND",
        "MA_ANALYZE_PORT",
    ):
        monkeypatch.delenv(key, raising=False)


def test_defaults_are_local_and_safe(clean_env):
    settings = Settings()
    assert settings.platform.host == "127.0.0.1"
    assert settings.platform.project_id == "media-analyzer-local"
    assert settings.platform.bucket_url == "gs://media-analyzer-local"
    assert (settings.platform.bucket_scheme, settings.platform.bucket_name) == (
        "gs",
        "media-analyzer-local",
    )
    assert settings.analysis.backend is AnalyzerBackend.NONE
    assert settings.analysis.sample_fps == 0.0 and settings.analysis.batch_sample_fps == 5.0
    assert settings.platform.firestore_emulator_host is None
    assert settings.api.dev_token is None and settings.api.public_read is False
    assert StackPorts().analyze_port == 8080


def test_environment_overrides_with_standard_names(clean_env, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "acme-prod")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9999")
    monkeypatch.setenv("MA_BUCKET_URL", "s3://media")
    monkeypatch.setenv("MA_ANALYZER_BACKEND", "cloud-vision")
    monkeypatch.setenv("MA_CORS_ORIGINS", '["https://dash.example"]')
    monkeypatch.setenv("MA_API_KEYS", '["k1"]')
    monkeypatch.setenv("MA_INGEST_PORT", "18086")
    monkeypatch.setenv("MA_LOG_JSON", "false")
    monkeypatch.setenv("MA_ANALYZE_PORT", "18080")
    settings = Settings()
    assert settings.platform.project_id == "acme-prod"
    assert settings.platform.firestore_emulator_host == "127.0.0.1:9999"
    assert (settings.platform.bucket_scheme, settings.platform.bucket_name) == ("s3", "media")
    assert settings.analysis.backend is AnalyzerBackend.CLOUD_VISION
    assert settings.api.cors_origins == ["https://dash.example"]
    assert settings.api.keys == ["k1"]
    assert settings.ingest.port == 18086
    assert settings.log.json_lines is False
    assert StackPorts().analyze_port == 18080


def test_invalid_values_are_rejected(clean_env, monkeypatch):
    monkeypatch.setenv("MA_ANALYZER_BACKEND", "magic")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("MA_ANALYZER_BACKEND")
    monkeypatch.setenv("MA_SAMPLE_FPS", "-1")
    with pytest.raises(ValidationError):
        Settings()


def test_settings_are_read_once_and_frozen(clean_env):
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.platform.bucket_url = "gs://other"
    with pytest.raises(ValidationError):
        settings.analysis = None


def test_every_variable_is_documented_once():
    fields = 0
    for where, section in ALL_SECTIONS.items():
        for name, field in section.model_fields.items():
            assert field.description and len(field.description) > 10, f"{where}.{name}"
        fields += len(env_names(section))
    table = describe(ALL_SECTIONS)
    assert table.count("`MA_BUCKET_URL`") == 1
    assert "`GOOGLE_CLOUD_PROJECT`" in table and "`FIRESTORE_EMULATOR_HOST`" in table
    for variable in ("MA_DETECTOR", "MA_YOLO_WEIGHTS", "MA_GPU_SERVICE_PORT", "MA_API_PORT"):
        assert table.count(f"`{variable}`") == 1, variable
    assert len(table.splitlines()) == fields + 2


def test_no_variable_is_declared_by_two_sections():
    owners: dict[str, list[str]] = {}
    for where, section in ALL_SECTIONS.items():
        for name, names in env_names(section).items():
            for variable in names:
                owners.setdefault(variable.upper(), []).append(f"{where}.{name}")
    assert {v: o for v, o in owners.items() if len(o) > 1} == {}


def test_the_local_stack_ports_are_not_product_settings():
    product = {v for s in PRODUCT_SECTIONS.values() for n in env_names(s).values() for v in n}
    stack = {v for n in env_names(StackPorts).values() for v in n}
    assert "MA_FIRESTORE_PORT" in stack and not stack & product
    assert "MA_GPU_SERVICE_PORT" not in product | stack  # gpu_service's own


def test_bucket_url_picks_the_adapter(clean_env, monkeypatch, aws_env):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:1")

    def bucket(url: str) -> Settings:
        return Settings(platform=PlatformSettings(bucket_url=url))

    assert isinstance(open_store(bucket("gs://b")), GcsStore)
    assert isinstance(open_store(bucket("s3://b")), S3Store)
    with pytest.raises(ValueError, match="gs:// or s3://"):
        open_store(bucket("ftp://b"))
