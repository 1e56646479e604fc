"""The CUDA image of gpu_service can use the GPU it is deployed on, with its weights inside.

Stands in for building gpu_service/Dockerfile and starting it on Cloud Run's L4 with no
network (no Docker engine, no GPU and no PyTorch index here). It reads the Dockerfile as
`docker build` would and checks:
- the torch build: its CUDA version (the PyTorch index's cuXYZ tag; PyPI's wheels are
  CUDA 13) must run on the documented driver (NVIDIA's minor version compatibility);
- no nvidia/cuda base image asks for a newer CUDA than that driver's (NVIDIA_REQUIRE_CUDA);
- the torch/torchvision pair is pyproject's, in both images;
- the weights come from a checksummed build stage, are copied to the paths the service's
  config reads from the image's ENV (outside any volume), and no download is needed;
- the CUDA image expects a GPU (MA_GPU_EXPECTED, so /readyz refuses a CPU fallback).
What it cannot check (the wheel index's contents, a run on an L4) is in gpu_service/README.md.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pytest

from gpu_service.config import ServiceConfig
from local.runner import ROOT
from mediacore.settings import get_settings

GPU_DOCKERFILE = ROOT / "gpu_service" / "Dockerfile"
CPU_DOCKERFILE = ROOT / "gpu_service" / "Dockerfile.cpu"

# Where the CUDA image runs, and that machine's driver: (driver version, the CUDA it ships).
# Cloud Run: https://cloud.google.com/run/docs/configuring/services/gpu ("Supported GPU
# types": L4, driver 535.216.03, CUDA 12.2; earlier 535.129.03). compose.gpu.yaml runs on
# whatever host has the NVIDIA Container Toolkit: the same limits hold for its driver.
DRIVERS = {"cloud-run-l4": ("535.216.03", (12, 2))}
# The oldest driver branch that runs each CUDA major through minor version compatibility:
# https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html
# (Table 1: CUDA 12.x >= 525, CUDA 13.x >= 580; a newer driver always runs older CUDA).
MIN_DRIVER_FOR_CUDA = {11: 450, 12: 525, 13: 580}
# PyPI's torch wheels are CUDA 13 builds from 2.11 (pytorch/pytorch#177975: stable CUDA
# 12.8 -> 13.0; #190355: 2.14 publishes 13.2 to PyPI); CUDA 12 builds come only from
# https://download.pytorch.org/whl/cuXYZ, and for 2.14 only as cu126 (2.15 drops it, #190385).
PYPI_TORCH_CUDA_MAJOR = 13


# --- a Dockerfile, read as docker build reads it ------------------------------------------
@dataclass
class Stage:
    name: str
    base: str
    env: dict[str, str] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    copies_from: list[tuple[str, str, str]] = field(default_factory=list)  # (stage, src, dst)
    volumes: list[str] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, out = "", []
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not joined:
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        joined += line
        if joined.strip():
            keyword, _, args = joined.strip().partition(" ")
            out.append((keyword.upper(), args.strip()))
        joined = ""
    return out


def stages(text: str) -> list[Stage]:
    found: list[Stage] = []
    args: dict[str, str] = {}
    for keyword, rest in instructions(text):
        if keyword == "FROM":
            words = rest.split()
            base = words[0]
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(found))
            parent = next((s for s in found if s.name == base), None)
            found.append(Stage(name, base, dict(parent.env) if parent else {}))
            args = {}
        elif keyword == "ARG":
            key, _, value = rest.partition("=")
            args[key] = value
        elif keyword == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                found[-1].env[key] = value
        elif keyword == "RUN":
            # Build args are what the RUN sees as "$NAME": substitute them (the default values).
            found[-1].runs.append(
                re.sub(r"\$\{?(\w+)\}?", lambda m, a=args: a.get(m[1], m[0]), rest)
            )
        elif keyword == "COPY" and "--from=" in rest:
            words = rest.split()
            source = next(w.split("=", 1)[1] for w in words if w.startswith("--from="))
            paths = [w for w in words if not w.startswith("--")]
            found[-1].copies_from.append((source, paths[0], paths[-1]))
        elif keyword == "VOLUME":
            found[-1].volumes += rest.strip("[]").replace(",", " ").replace('"', "").split()
    return found


def pip_commands(stage: Stage) -> list[str]:
    return [c.strip() for run in stage.runs for c in run.split("&&") if "pip install" in c]


def torch_build(stage: Stage, pinned: str) -> tuple[str, tuple[int, int | None], str]:
    """(torch version, its CUDA (major, minor), where it comes from) as the stage installs it."""
    for command in pip_commands(stage):
        version = re.search(r"\btorch==(\S+)", command)
        if not version:
            continue
        index = re.search(r"--(?:extra-)?index-url[= ](\S+)", command)
        tag = re.search(
            r"download\.pytorch\.org/whl/(cu(\d\d)(\d)|cpu)\b", index[1] if index else ""
        )
        if tag and tag[1] == "cpu":
            return version[1], (0, 0), index[1]
        if tag:
            local = version[1].partition("+")[2]
            assert local in ("", tag[1]), f"torch=={version[1]} from the {tag[1]} index"
            return version[1], (int(tag[2]), int(tag[3])), index[1]
        return version[1], (PYPI_TORCH_CUDA_MAJOR, None), "PyPI"
    # No torch pin of its own: pyproject's [gpu] extra brings PyPI's build.
    return pinned, (PYPI_TORCH_CUDA_MAJOR, None), "PyPI (pyproject's gpu extra)"


def driver_refuses(cuda: tuple[int, int | None], driver: str) -> str | None:
    """Why a CUDA `cuda` runtime cannot run on `driver` (None: it can)."""
    need = MIN_DRIVER_FOR_CUDA.get(cuda[0])
    branch = int(driver.split(".")[0])
    if need is None:
        return f"no known driver runs CUDA {cuda[0]}"
    if branch < need:
        return f"CUDA {cuda[0]}.x needs driver >= {need}, the deployed driver is {driver}"
    return None


def base_image_refuses(stage: Stage, driver_cuda: tuple[int, int]) -> str | None:
    """nvidia/cuda images carry NVIDIA_REQUIRE_CUDA=cuda>=X.Y: the container toolkit then
    refuses a driver whose own CUDA is older (pytorch/test-infra#6530 hit exactly this)."""
    tag = re.match(r"(?:docker\.io/)?nvidia/cuda:(\d+)\.(\d+)", stage.base)
    if tag and (int(tag[1]), int(tag[2])) > driver_cuda:
        return f"base image {stage.base} requires CUDA >= {tag[1]}.{tag[2]}"
    return None


def gpu_extra() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = (p.split("==") for p in project["optional-dependencies"]["gpu"] if "==" in p)
    return {name: version for name, version in pins}


def cuda_problems(text: str) -> list[str]:
    final = stages(text)[-1]
    version, cuda, source = torch_build(final, gpu_extra()["torch"])
    problems = []
    if version.partition("+")[0] != gpu_extra()["torch"]:
        problems.append(f"torch {version}, pyproject pins {gpu_extra()['torch']}")
    if cuda == (0, 0):
        problems.append(f"torch {version} from {source} is a CPU build")
    for where, (driver, driver_cuda) in DRIVERS.items():
        why = driver_refuses(cuda, driver) if cuda != (0, 0) else None
        if why:
            problems.append(f"{where}: torch {version} from {source}: {why}")
        why = base_image_refuses(final, driver_cuda)
        if why:
            problems.append(f"{where}: {why}")
    vision = [re.search(r"\btorchvision==(\S+)", c) for c in pip_commands(final)]
    vision = [m[1] for m in vision if m]
    if "+" in version and vision != [f"{gpu_extra()['torchvision']}+{version.partition('+')[2]}"]:
        problems.append(f"torchvision {vision} is not the {version} build of pyproject's pair")
    return problems


def test_the_cuda_image_torch_runs_on_the_documented_driver():
    assert cuda_problems(GPU_DOCKERFILE.read_text()) == []


def test_cuda_check_rejects_pypi_and_cuda13_builds():
    text = GPU_DOCKERFILE.read_text()
    cu13 = text.replace("whl/cu126", "whl/cu130").replace("+cu126", "+cu130")
    assert any("needs driver >= 580" in p for p in cuda_problems(cu13))
    pypi = re.sub(r"pip install --index-url \S+[\s\\]+torch==\S+ torchvision==\S+", "true", text)
    assert any("PyPI" in p and ">= 580" in p for p in cuda_problems(pypi))
    new_base = text.replace(
        "FROM python:3.11.11-slim-bookworm AS base",
        "FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS base",
    )
    assert any("requires CUDA >= 12.8" in p for p in cuda_problems(new_base))
    wrong_pair = text.replace("torchvision==0.29.1+cu126", "torchvision==0.29.1")
    assert any("torchvision" in p for p in cuda_problems(wrong_pair))


def test_the_cpu_image_keeps_pyprojects_pair():
    final = stages(CPU_DOCKERFILE.read_text())[-1]
    version, cuda, _ = torch_build(final, gpu_extra()["torch"])
    assert (version, cuda) == (gpu_extra()["torch"], (0, 0))
    assert "MA_GPU_EXPECTED" not in final.env


# --- weights inside, at the paths the config reads --------------------------------------------
def weight_problems(text: str, monkeypatch) -> list[str]:
    built = stages(text)
    final = built[-1]
    env = final.env
    problems = []
    if env.get("MA_GPU_EXPECTED") != "true":
        problems.append("the CUDA image does not set MA_GPU_EXPECTED=true")
    for flag in ("HF_HUB_OFFLINE", "YOLO_OFFLINE"):
        if env.get(flag) != "1":
            problems.append(f"{flag}=1 is not set: a start without network may look things up")
    # The service's own config, from the image's environment.
    for key in [k for k in os.environ if k.startswith("MA_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        config = ServiceConfig.load()
    finally:
        get_settings.cache_clear()
    detector = config.detector
    yolo = getattr(detector, "ultralytics", detector)
    wanted = {"YOLO": getattr(yolo, "weights", None)}
    if config.clip.enabled:
        wanted["CLIP"] = config.clip.weights
    copied = {dst: (source, src) for source, src, dst in final.copies_from}
    volumes = final.volumes + ["/models"]  # compose mounts a volume at /models
    for what, path in wanted.items():
        if not path or not path.startswith("/"):
            problems.append(f"{what} weights {path!r} are not a path in the image: a download")
            continue
        into = next((d for d in copied if PurePosixPath(path).is_relative_to(d)), None)
        if into is None:
            problems.append(f"{what} weights {path} are not copied into the image")
            continue
        source, src = copied[into]
        stage = next((s for s in built if s.name == source), None)
        inside = str(PurePosixPath(src) / PurePosixPath(path).relative_to(into))
        checked = stage and any(inside in run and "sha256sum -c" in run for run in stage.runs)
        if not checked:
            problems.append(
                f"{what} weights {path}: stage {source} does not fetch {inside} with a checksum"
            )
        if any(PurePosixPath(path).is_relative_to(v) for v in volumes):
            problems.append(f"{what} weights {path} lie under a volume that hides them")
    clip = config.clip
    if clip.weights.startswith("/") and "openai" in clip.weights and "quickgelu" not in clip.model:
        problems.append(f"CLIP {clip.model}: OpenAI's weights by path need -quickgelu")
    if not any("gpu_service.preflight" in run for run in final.runs):
        problems.append("the image does not load its models at build time (gpu_service.preflight)")
    return problems


def test_the_cuda_image_holds_its_weights_where_the_config_reads(monkeypatch):
    assert weight_problems(GPU_DOCKERFILE.read_text(), monkeypatch) == []


def test_weight_check_rejects_missing_unchecked_or_hidden_weights(monkeypatch):
    text = GPU_DOCKERFILE.read_text()
    no_copy = text.replace("COPY --from=weights /opt/models /opt/models", "")
    assert any("not copied" in p for p in weight_problems(no_copy, monkeypatch))
    unchecked = text.replace("| sha256sum -c -", "")
    assert any("checksum" in p for p in weight_problems(unchecked, monkeypatch))
    hidden = text.replace("VOLUME /models", "VOLUME /opt/models")
    assert any("under a volume" in p for p in weight_problems(hidden, monkeypatch))
    by_tag = text.replace(
        "MA_CLIP_WEIGHTS=/opt/models/ViT-B-32-openai.safetensors", "MA_CLIP_WEIGHTS=openai"
    )
    assert any("a download" in p for p in weight_problems(by_tag, monkeypatch))
    gelu = text.replace("MA_CLIP_MODEL=ViT-B-32-quickgelu", "MA_CLIP_MODEL=ViT-B-32")
    assert any("quickgelu" in p for p in weight_problems(gelu, monkeypatch))
    on_cpu = text.replace("MA_GPU_EXPECTED=true", "MA_GPU_EXPECTED=false")
    assert any("MA_GPU_EXPECTED" in p for p in weight_problems(on_cpu, monkeypatch))


def test_the_dockerfile_reader_handles_continuations_and_stages():
    text = "FROM a AS one\nENV X=1 \\\n    Y=2\n# c\nFROM one\nENV Z=3\nRUN echo \\\n  hi\n"
    one, two = stages(text)
    assert one.env == {"X": "1", "Y": "2"} and two.env == {"X": "1", "Y": "2", "Z": "3"}
    assert [run.split() for run in two.runs] == [["echo", "hi"]]


@pytest.mark.parametrize(
    "driver,cuda,ok",
    [
        ("535.216.03", (12, 6), True),
        ("535.216.03", (13, 0), False),
        ("580.65.06", (13, 0), True),
        ("470.82.01", (12, 1), False),
    ],
)
def test_minor_version_compatibility_table(driver, cuda, ok):
    assert (driver_refuses(cuda, driver) is None) == ok
