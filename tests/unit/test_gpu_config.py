"""gpu_service's config: each section reads its own variables; detector plugins register
themselves and are chosen by MA_DETECTOR or a config file's ``detector.type``."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from pydantic import ValidationError

from gpu_service.config import ServerConfig, ServiceConfig
from gpu_service.detectors import registry
from gpu_service.detectors.auto import AutoConfig
from gpu_service.detectors.darknet import DarknetConfig
from local.runner import ROOT
from mediacore.settings import NOT_FROM_ENV, Section, get_settings

GPU_VARIABLES = (
    "MA_DETECTOR",
    "MA_YOLO_WEIGHTS",
    "MA_GPU_CONFIG",
    "MA_GPU_SERVICE_PORT",
    "MA_CLIP_ENABLED",
    "MA_CLIP_MODEL",
    "MA_CLIP_WEIGHTS",
    "MA_LOGO_LIBRARY",
    "MA_LOGO_BUCKET_PREFIX",
    "MA_LOGO_REFRESH_S",
    "MA_BATCH_MAX_SIZE",
    "MA_BATCH_MAX_WAIT_MS",
)


@pytest.fixture
def gpu_env(monkeypatch):
    for key in GPU_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_defaults(gpu_env):
    config = ServiceConfig.load()
    assert isinstance(config.detector, AutoConfig)
    assert config.detector.ultralytics.weights == "yolo11n.pt"
    assert (config.clip.enabled, config.clip.model, config.clip.weights) == (
        True,
        "ViT-B-32",
        "openai",
    )
    assert (config.logos.folder, config.logos.bucket_prefix, config.logos.refresh_s) == (
        "brands",
        "brands/",  # the product's library prefix, shared with the control API
        30.0,
    )
    assert (config.batching.max_batch, config.batching.max_wait_ms) == (16, 5.0)
    assert ServerConfig().port == 8090


def test_sections_read_their_variables(gpu_env):
    gpu_env.setenv("MA_YOLO_WEIGHTS", "/models/yolo.pt")
    gpu_env.setenv("MA_CLIP_ENABLED", "false")
    gpu_env.setenv("MA_CLIP_WEIGHTS", "/models/clip.pt")
    gpu_env.setenv("MA_LOGO_LIBRARY", "/logos")
    gpu_env.setenv("MA_LOGO_BUCKET_PREFIX", "library/")
    gpu_env.setenv("MA_LOGO_REFRESH_S", "0")
    gpu_env.setenv("MA_BATCH_MAX_SIZE", "4")
    gpu_env.setenv("MA_BATCH_MAX_WAIT_MS", "2.5")
    gpu_env.setenv("MA_GPU_SERVICE_PORT", "18090")
    config = ServiceConfig.load()
    assert config.detector.ultralytics.weights == "/models/yolo.pt"
    assert not config.clip.enabled and config.clip.weights == "/models/clip.pt"
    assert (config.logos.folder, config.logos.bucket_prefix, config.logos.refresh_s) == (
        "/logos",
        "library/",
        0.0,
    )
    assert (config.batching.max_batch, config.batching.max_wait_ms) == (4, 2.5)
    assert ServerConfig().port == 18090

    gpu_env.setenv("MA_LOGO_BUCKET_PREFIX", "")  # folder only
    get_settings.cache_clear()
    assert ServiceConfig.load().logos.bucket_prefix is None


def test_detector_type_comes_from_ma_detector(gpu_env):
    gpu_env.setenv("MA_DETECTOR", "darknet")
    assert isinstance(ServiceConfig.load().detector, DarknetConfig)
    gpu_env.setenv("MA_DETECTOR", "ultralytics")
    gpu_env.setenv("MA_YOLO_WEIGHTS", "/models/yolo.pt")
    detector = ServiceConfig.load().detector
    assert detector.type == "ultralytics" and detector.weights == "/models/yolo.pt"
    gpu_env.setenv("MA_DETECTOR", "magic")
    with pytest.raises(ValidationError, match="unknown detector 'magic'"):
        ServiceConfig.load()


def test_a_config_file_overrides_the_environment(gpu_env, tmp_path):
    path = tmp_path / "gpu.json"
    path.write_text(
        json.dumps({"detector": {"type": "darknet", "input_size": 608}, "clip": {"enabled": True}})
    )
    gpu_env.setenv("MA_DETECTOR", "ultralytics")
    gpu_env.setenv("MA_CLIP_ENABLED", "false")
    gpu_env.setenv("MA_GPU_CONFIG", str(path))
    config = ServiceConfig.load()
    assert isinstance(config.detector, DarknetConfig) and config.detector.input_size == 608
    assert config.clip.enabled


def test_the_shipped_plugins_are_registered():
    assert set(registry.plugins()) >= {"auto", "darknet", "ultralytics"}
    with pytest.raises(ValidationError):
        ServiceConfig.model_validate({"detector": {"type": "fake"}})


def test_register_checks_the_plugin_shape():
    class NoCreate(Section):
        type: str = "nocreate"

    with pytest.raises(TypeError, match="create"):
        registry.register("nocreate", NoCreate)
    with pytest.raises(TypeError, match="type"):
        registry.register("other-name", NoCreate)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("darknet", _Imposter)
    assert registry.plugins()["darknet"] is DarknetConfig


class _Imposter(Section):
    type: str = "darknet"

    def create(self):
        raise AssertionError("never built")


FAKE_PLUGIN = """
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gpu_service.detectors.registry import register
from mediacore.settings import NOT_FROM_ENV, Section


class FakeDetector:
    name = "fake"
    model = "fake:v1"
    device = "cpu"
    input_side = 64

    def __init__(self, label):
        self.label = label

    def detect(self, images):
        return [[] for _ in images]


class FakeConfig(Section):
    model_config = SettingsConfigDict(env_prefix="MA_FAKE_")

    type: Literal["fake"] = Field("fake", json_schema_extra=NOT_FROM_ENV, description="Name.")
    label: str = Field("thing", description="What the fake detector calls everything.")

    def create(self):
        return FakeDetector(self.label)


register("fake", FakeConfig)
"""

CHOOSE_FAKE = """
import sys

import gpu_service.detectors

gpu_service.detectors.__path__.append(sys.argv[1])  # one more file in the plugin folder

from gpu_service.config import ServiceConfig, sections
from gpu_service.detectors import create_detector

config = ServiceConfig.load()
assert type(config.detector).__name__ == "FakeConfig", config.detector
assert config.detector.label == "widget"  # its own section read MA_FAKE_LABEL
assert create_detector(config.detector).name == "fake"
from_file = ServiceConfig.model_validate({"detector": {"type": "fake", "label": "gadget"}})
assert create_detector(from_file.detector).label == "gadget"
assert "gpu_service.detector.fake" in sections()
print("fake detector chosen")
"""


def test_a_plugin_in_one_new_file_is_selectable(tmp_path):
    (tmp_path / "fake.py").write_text(FAKE_PLUGIN)
    env = {**os.environ, "MA_DETECTOR": "fake", "MA_FAKE_LABEL": "widget"}
    env.pop("MA_GPU_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHOOSE_FAKE), str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "fake detector chosen" in done.stdout


def test_fields_marked_not_from_env_ignore_the_environment(monkeypatch):
    from pydantic import Field

    class Probe(Section):
        kept: int = Field(1, description="read from MA_KEPT")
        other: int = Field(2, json_schema_extra=NOT_FROM_ENV, description="set elsewhere")

    monkeypatch.setenv("MA_KEPT", "10")
    monkeypatch.setenv("MA_OTHER", "20")
    assert (Probe().kept, Probe().other) == (10, 2)
    assert Probe(other=3).other == 3
