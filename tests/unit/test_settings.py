import pytest
from pydantic import ValidationError

from mediacore.settings import AnalyzerBackend, Settings, describe
from mediacore.storage import GcsStore, S3Store, open_store


@pytest.fixture
def clean_env(monkeypatch):
    for key in (
        "GOOGLE_CLOUD_PROJECT",
        "FIRESTORE_EMULATOR_HOST",
        "PUBSUB_EMULATOR_HOST",
        "STORAGE_EMULATOR_HOST",
        "MA_BUCKET_URL",
        "MA_ANALYZER_BACKEND",
    ):
        monkeypatch.delenv(key, raising=False)


def test_defaults_are_local_and_safe(clean_env):
    settings = Settings()
    assert settings.host == "127.0.0.1"
    assert settings.project_id == "media-analyzer-local"
    assert settings.bucket_url == "gs://media-analyzer-local"
    assert (settings.bucket_scheme, settings.bucket_name) == ("gs", "media-analyzer-local")
    assert settings.analyzer_backend is AnalyzerBackend.NONE
    assert settings.sample_fps == 0.0 and settings.batch_sample_fps == 5.0
    assert settings.firestore_emulator_host is None
    assert settings.analyze_port == 8080


def test_environment_overrides_with_standard_names(clean_env, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "acme-prod")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9999")
    monkeypatch.setenv("MA_BUCKET_URL", "s3://media")
    monkeypatch.setenv("MA_ANALYZER_BACKEND", "cloud-vision")
    monkeypatch.setenv("MA_CORS_ORIGINS", '["https://dash.example"]')
    settings = Settings()
    assert settings.project_id == "acme-prod"
    assert settings.firestore_emulator_host == "127.0.0.1:9999"
    assert (settings.bucket_scheme, settings.bucket_name) == ("s3", "media")
    assert settings.analyzer_backend is AnalyzerBackend.CLOUD_VISION
    assert settings.cors_origins == ["https://dash.example"]


def test_invalid_values_are_rejected(clean_env, monkeypatch):
    monkeypatch.setenv("MA_ANALYZER_BACKEND", "magic")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("MA_ANALYZER_BACKEND")
    monkeypatch.setenv("MA_SAMPLE_FPS", "-1")
    with pytest.raises(ValidationError):
        Settings()


def test_every_variable_is_documented_once():
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 10, name
    table = describe()
    assert table.count("`MA_BUCKET_URL`") == 1
    assert "`GOOGLE_CLOUD_PROJECT`" in table and "`FIRESTORE_EMULATOR_HOST`" in table
    assert len(table.splitlines()) == len(Settings.model_fields) + 2


def test_bucket_url_picks_the_adapter(clean_env, monkeypatch, aws_env):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:1")
    assert isinstance(open_store(Settings(bucket_url="gs://b")), GcsStore)
    assert isinstance(open_store(Settings(bucket_url="s3://b")), S3Store)
    with pytest.raises(ValueError, match="gs:// or s3://"):
        open_store(Settings(bucket_url="ftp://b"))
