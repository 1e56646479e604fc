"""docker compose on first use (issue 16, item 19): what ``docker compose config`` and
``up`` would do with these files, checked on the files' interpolated, merged model
(tests/infra/containers.py), since this machine has no Docker engine or compose plugin.

- each image tag is built from one Dockerfile, whichever override files are used;
- URLs handed to the browser name the host's published ports, not compose service names;
- an .env that still holds an example secret stops compose before anything reads it
  (the secrets-check service's own shell command is run here, with bash and dash).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import yaml

from local.runner import ROOT
from tests.infra.containers import (
    MissingVariable,
    compose_project,
    generated_env,
    read_env_file,
    service_environment,
)
from tests.infra.test_knative_first_use import hidden_failures

VARIANTS = [
    ("compose.yaml",),
    ("compose.yaml", "compose.gpu.yaml"),
    ("compose.yaml", "compose.dev.yaml"),
]


# --- one tag, one Dockerfile --------------------------------------------------------------------
def tag_conflicts(projects: list[dict]) -> list[str]:
    """Image tags that two builds (context + Dockerfile) would write to."""
    builds: dict[str, set[tuple[str, str]]] = {}
    for project in projects:
        for service in project["services"].values():
            build = service.get("build")
            if build and "image" in service:
                context = build if isinstance(build, str) else build.get("context", ".")
                dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
                builds.setdefault(service["image"], set()).add(
                    (context, dockerfile or "Dockerfile")
                )
    return [f"{tag} is built from {sorted(b)}" for tag, b in builds.items() if len(b) > 1]


def test_each_image_tag_is_built_from_one_dockerfile():
    env = generated_env()
    assert tag_conflicts([compose_project(env, *files) for files in VARIANTS]) == []


def test_tag_check_catches_the_gpu_override_reusing_the_cpu_tag(tmp_path):
    gpu = yaml.safe_load((ROOT / "compose.gpu.yaml").read_text())
    del gpu["services"]["gpu"]["image"]  # as it was: the CPU image's tag
    (tmp_path / "compose.gpu.yaml").write_text(yaml.safe_dump(gpu))
    for name in ("compose.yaml", "compose.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = generated_env()
    projects = [compose_project(env, *files, root=tmp_path) for files in VARIANTS]
    assert any("/gpu:dev is built from" in c for c in tag_conflicts(projects))


# --- URLs for the browser -----------------------------------------------------------------------
def published(project: dict, service: str, container_port: int) -> set[int]:
    ports = set()
    for spec in project["services"][service].get("ports", []):
        *host, target = str(spec).split(":")
        if int(target) == container_port and host:
            ports.add(int(host[-1]))
    return ports


def browser_url_problems(project: dict, env_text: str) -> list[str]:
    """Every service that reaches the bucket by a compose service name (MA_S3_ENDPOINT_URL)
    also says where a browser reaches it, for the URLs it may hand to players (the API's
    presigned segment URLs, the ingest's playlist URL): a loopback name on the port
    compose publishes the bucket on."""
    problems = []
    services = project["services"]
    for name, service in services.items():
        env = service_environment(service, env_text)
        endpoint = env.get("MA_S3_ENDPOINT_URL")
        if not endpoint or urlsplit(endpoint).hostname not in services:
            continue
        target = urlsplit(endpoint)
        public = env.get("MA_S3_PUBLIC_URL")
        if not public:
            problems.append(f"{name}: presigned URLs would name {target.netloc}")
            continue
        url = urlsplit(public)
        if url.hostname not in ("localhost", "127.0.0.1"):
            problems.append(f"{name}: MA_S3_PUBLIC_URL {public} is not this host")
        elif url.port not in published(project, target.hostname, target.port):
            problems.append(f"{name}: {target.hostname} is not published on port {url.port}")
    return problems


def test_presigned_urls_name_the_published_minio():
    env = generated_env()
    project = compose_project(env)
    assert browser_url_problems(project, env) == []
    api = service_environment(project["services"]["api"], env)
    assert api["MA_S3_PUBLIC_URL"] == "http://localhost:9000"
    # The port follows MINIO_PORT.
    moved = compose_project(env + "\nMINIO_PORT=19000\n")
    assert browser_url_problems(moved, env) == []


def test_browser_url_check_catches_an_internal_name():
    env = generated_env()
    project = compose_project(env)
    del project["services"]["api"]["environment"]["MA_S3_PUBLIC_URL"]
    project["services"]["analyze"]["environment"]["MA_S3_PUBLIC_URL"] = "http://localhost:9999"
    problems = browser_url_problems(project, env)
    assert "api: presigned URLs would name minio:9000" in problems
    assert "analyze: minio is not published on port 9999" in problems


# --- example secrets ----------------------------------------------------------------------------
def secrets_check(env_text: str, shell: str) -> subprocess.CompletedProcess:
    """secrets-check's entrypoint, as its container runs it: only .env in the environment."""
    service = compose_project(generated_env())["services"]["secrets-check"]
    entrypoint = service["entrypoint"]
    assert entrypoint[:2] == ["sh", "-c"]
    env = {"PATH": "/usr/bin:/bin", **read_env_file(env_text)}
    return subprocess.run(
        [shell, "-c", entrypoint[2]], env=env, capture_output=True, text=True, timeout=30
    )


def depends_on(project: dict, name: str) -> set[str]:
    """Services ``name`` waits for, directly or through others."""
    found: set[str] = set()
    todo = [name]
    while todo:
        deps = project["services"][todo.pop()].get("depends_on") or {}
        for dep in deps if isinstance(deps, list) else deps.keys():
            if dep not in found:
                found.add(dep)
                todo.append(dep)
    return found


@pytest.mark.parametrize("shell", ["bash", "dash"])
def test_example_secrets_stop_compose_before_anything_reads_them(shell):
    if not shutil.which(shell):
        pytest.skip(f"needs {shell}")
    refused = secrets_check((ROOT / ".env.example").read_text(), shell)
    assert refused.returncode == 1 and "make compose-up" in refused.stderr
    assert "change-me" not in refused.stderr.replace("change-me-*", "")  # no value echoed
    assert secrets_check(generated_env(), shell).returncode == 0
    # One left behind is enough.
    one_left = re.sub(r"(?m)^MA_WEBHOOK_TOKEN=.*$", "MA_WEBHOOK_TOKEN=change-me-x", generated_env())
    assert secrets_check(one_left, shell).returncode == 1


def test_bucket_setup_failures_stop_compose():
    """Issue 16, item 16 on compose: `mc event add` failing (no webhook target) must fail
    minio-init, and the ingest and analyze sides wait for it to complete successfully, so
    compose does not come up with a bucket that raises no events."""
    project = compose_project(generated_env())
    init = project["services"]["minio-init"]
    script = (
        " ".join(init["entrypoint"]) if isinstance(init["entrypoint"], list) else init["entrypoint"]
    )
    assert "mc event add" in script and hidden_failures(script) == [], script
    assert "--ignore-existing" in script.split("mc event add", 1)[1]  # a re-run is no failure
    waiting = [
        name
        for name, service in project["services"].items()
        if isinstance(service.get("depends_on"), dict)
        and service["depends_on"].get("minio-init")
        == {"condition": "service_completed_successfully"}
    ]
    assert waiting, "nothing waits for minio-init"


def test_every_service_reading_env_waits_for_the_secrets_check():
    project = compose_project(generated_env())
    check = project["services"]["secrets-check"]
    assert check.get("env_file") and check.get("restart") == "no"
    assert project["services"]["minio"]["depends_on"]["secrets-check"] == {
        "condition": "service_completed_successfully"
    }
    readers = [
        n for n, s in project["services"].items() if s.get("env_file") and n != "secrets-check"
    ]
    assert readers and all("secrets-check" in depends_on(project, n) for n in readers), readers


def test_compose_refuses_missing_secrets():
    """``${VAR:?}``: no MinIO password or webhook token at all stops `docker compose`."""
    env = generated_env()
    for name in ("MINIO_ROOT_PASSWORD", "MA_WEBHOOK_TOKEN"):
        with pytest.raises(MissingVariable, match=name):
            compose_project(re.sub(rf"(?m)^{name}=.*$", f"{name}=", env))


# --- the model against compose itself, where it is installed ------------------------------------
def compose_cli() -> list[str]:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]  # v1 (Debian's package): the same interpolation
    pytest.skip("needs docker compose (or docker-compose) to compare with `config`")


@pytest.mark.parametrize("files", VARIANTS)
def test_model_matches_docker_compose_config(files, tmp_path):
    """The checks above read compose files through tests/infra/containers.py; compose's
    own `config` must render the same images and environments."""
    cli = compose_cli()
    env_text = generated_env()
    # A copy: env_file .env is read from the project folder, and the checkout has none.
    (tmp_path / ".env").write_text(env_text)
    (tmp_path / "frontend").mkdir()  # a build context must exist
    for name in ("compose.yaml", "compose.gpu.yaml", "compose.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    args = [a for f in files for a in ("-f", f)]
    rendered = subprocess.run(
        [*cli, *args, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert rendered.returncode == 0, rendered.stderr
    theirs = yaml.safe_load(rendered.stdout)["services"]
    ours = compose_project(env_text, *files)["services"]
    assert set(ours) == set(theirs)
    for name, service in ours.items():
        assert service.get("image") == theirs[name].get("image"), name
        mine = {k: str(v) for k, v in (service.get("environment") or {}).items()}
        compose = {k: str(v) for k, v in (theirs[name].get("environment") or {}).items()}
        assert {k: compose.get(k) for k in mine} == mine, name


def test_the_published_emulator_gets_the_production_rules():
    """Issue 15, item 2 on compose: the Firestore emulator is published on the host for
    the dashboard, and an emulator without rules serves streams/{id}/private/* (key
    hash, publisher address) to any page. firestore-init loads firestore.rules with the
    command tested against a real emulator (tests/integration/test_firestore_rules.py::
    test_a_published_emulator_opens_results_but_never_secrets), before the dashboard
    starts."""
    env_text = generated_env()
    project = compose_project(env_text)
    init = project["services"]["firestore-init"]
    assert init["command"] == [
        "python",
        "-m",
        "mediacore.firestore_access",
        "/app/firestore.rules",
    ]
    assert init["image"] == project["services"]["api"]["image"]  # has /app/firestore.rules
    env = service_environment(init, env_text)
    assert env["FIRESTORE_EMULATOR_HOST"] == "firestore:8080"
    api = service_environment(project["services"]["api"], env_text)
    assert env["MA_API_PUBLIC_READ"] == api["MA_API_PUBLIC_READ"]  # rules mirror the API
    assert project["services"]["frontend"]["depends_on"]["firestore-init"] == {
        "condition": "service_completed_successfully"
    }
