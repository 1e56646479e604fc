"""terraform/'s dependency graph, checked offline.

Stands in for `terraform plan` (docs/deploy-gcp.md), which needs the google providers
and credentials. Every resource and data source of the real files becomes a
`terraform_data` stand-in (built into Terraform: `terraform init` downloads nothing)
whose input carries the same references; locals and outputs keep their references,
variables are copied. Terraform itself then builds the graph (`terraform validate`), so
a cycle that `plan` would report is reported here, both branches of a conditional
included; `terraform plan` on the stand-in then walks it as apply would order it. The
ordering checks below read the same graph (terraform_files.Config, on python-hcl2).
"""

from __future__ import annotations

import graphlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.infra.terraform_files import Config, references

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"


def standin_name(node: str) -> str:
    """The stand-in expression for a graph node."""
    if node.startswith(("local.", "var.")):
        return node
    return "terraform_data." + node.replace(".", "__")


def standin(config: Config) -> str:
    graph = config.graph()

    def refs(node: str) -> str:
        return "[" + ", ".join(standin_name(n) for n in sorted(graph[node])) + "]"

    parts = [config.variables_hcl()]
    parts.append(
        "locals {\n"
        + "".join(f"  {name} = {refs('local.' + name)}\n" for name in config.locals())
        + "}"
    )
    for block in config.all("resource") + config.all("data"):
        name = standin_name(block.address).split(".", 1)[1]
        parts.append(f'resource "terraform_data" "{name}" {{\n  input = {refs(block.address)}\n}}')
    for block in config.all("output"):
        parts.append(f'output "{block.labels[0]}" {{\n  value = {refs(block.address)}\n}}')
    return "\n\n".join(parts) + "\n"


def validate(config: Config, folder: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("terraform")
    if not binary:
        pytest.skip("needs the terraform CLI on PATH (terraform_data needs no provider download)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(standin(config))
    # Required variables get a value from the environment (ignored where undeclared).
    env = {
        **os.environ,
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "TF_VAR_project_id": "p",
    }
    steps = (["init", "-backend=false", "-input=false"], ["validate"], ["plan", "-input=false"])
    for args in steps:
        done = subprocess.run(
            [binary, f"-chdir={folder}", *args, "-no-color"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        if done.returncode != 0:
            return done
    return done


def test_references_are_read_from_code_only():
    """The graph's edges: references in expressions and interpolations (heredocs, both
    branches of a conditional); literals, escaped interpolations and comments name nothing."""
    config = Config.of(
        """
locals {
  bucket = "gs://${google_storage_bucket.media.name}/x" # google_fake.comment
  name   = "roles/run.invoker local.literal"
}
resource "google_thing" "one" {
  count  = local.use ? var.a : data.google_project.this.number
  script = <<-EOT
    echo "${var.region}" $${local.escaped}
  EOT
  nested {
    inner = [google_project_service.enabled]
  }
}
"""
    )
    locals_, thing = config.blocks
    assert references(locals_.get("bucket")) == {"google_storage_bucket.media"}
    assert references(locals_.get("name")) == set()
    assert thing.references() == {
        "local.use",
        "var.a",
        "data.google_project.this",
        "var.region",
        "google_project_service.enabled",
    }


def test_graph_refuses_undeclared_references():
    config = Config.of('resource "a_b" "c" {\n  x = a_b.missing.id\n}\n')
    with pytest.raises(ValueError, match="a_b.missing"):
        config.graph()


def cycle(config: Config) -> list[str] | None:
    """A dependency cycle in the graph, read without the terraform CLI (so the check runs
    on a machine that has none), or None."""
    try:
        graphlib.TopologicalSorter(config.graph()).prepare()
    except graphlib.CycleError as error:
        return error.args[1]
    return None


def test_terraform_graph_has_no_cycle_without_the_cli():
    assert cycle(Config.read(TERRAFORM)) is None


def test_terraform_graph_has_no_cycle(tmp_path):
    done = validate(Config.read(TERRAFORM), tmp_path / "standin")
    assert done.returncode == 0, done.stderr


# The shape of the cycle terraform plan reported (issue 16, item 1): the bucket's CORS
# origins default to the dashboard's URL, the dashboard is given the API's URL, and the
# API's environment names the bucket; the GPU branch of a conditional counts as well.
CYCLE = """
variable "dashboard_origins" {
  type    = list(string)
  default = []
}
variable "gpu" {
  type    = bool
  default = false
}
locals {
  dashboard = google_cloud_run_v2_service.frontend.uri
  origins   = length(var.dashboard_origins) > 0 ? var.dashboard_origins : [local.dashboard]
  gpu_url   = var.gpu ? google_cloud_run_v2_service.gpu[0].uri : ""
  env       = { BUCKET = google_storage_bucket.media.name, GPU = local.gpu_url }
}
resource "google_storage_bucket" "media" {
  cors {
    origin = local.origins
  }
}
resource "google_cloud_run_v2_service" "gpu" {
  count = var.gpu ? 1 : 0
}
resource "google_cloud_run_v2_service" "api" {
  template {
    containers {
      dynamic "env" {
        for_each = local.env
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }
}
resource "google_cloud_run_v2_service" "frontend" {
  template {
    containers {
      env {
        name  = "API_BASE"
        value = google_cloud_run_v2_service.api.uri
      }
    }
  }
}
"""


def test_graph_check_finds_a_cycle_through_a_conditional(tmp_path):
    done = validate(Config.of(CYCLE), tmp_path / "cycle")
    assert done.returncode != 0 and "Cycle:" in done.stderr, done.stderr


def test_cycle_check_without_the_cli_finds_the_conditional_cycle():
    found = cycle(Config.of(CYCLE))
    assert found and "local.origins" in found and "local.env" in found, found


# --- ordering ------------------------------------------------------------------------------
def test_every_resource_waits_for_api_enablement():
    """Issue 16, item 7: a resource created before its API is enabled fails on a fresh
    project (service accounts, address, firewall, VM, topics...)."""
    config = Config.read(TERRAFORM)
    enabled = "google_project_service.enabled"
    late = [
        b.address
        for b in config.resources()
        if b.address != enabled and enabled not in config.depends_on(b.address)
    ]
    assert late == [], f"not ordered after {enabled}: {late}"


def test_api_enablement_check_notices_a_resource_that_does_not_wait():
    config = Config.of(
        'resource "google_project_service" "enabled" {\n  service = "iam.googleapis.com"\n}\n'
        'resource "google_service_account" "x" {\n  account_id = "x"\n}\n'
    )
    assert "google_project_service.enabled" not in config.depends_on("google_service_account.x")


def secrets_read(service) -> set[str]:
    """The secrets a Cloud Run service reads as environment variables (a secret named by
    a literal stands for itself: it has no Terraform version)."""
    refs = [
        env.child("value_source", "secret_key_ref")
        for container in service.child("template").children("containers")
        for env in container.children("env")
    ]
    return {s for r in refs if r for s in references(r.get("secret")) or {r.get("secret")}}


def test_api_waits_for_its_secret_version_and_access():
    """Issue 16, item 2: Cloud Run refuses a revision whose secret has no version, or
    whose identity cannot read it yet."""
    config = Config.read(TERRAFORM)
    api = config.resource("google_cloud_run_v2_service.api")
    waits_for = config.depends_on(api.address)
    secrets = secrets_read(api)
    assert secrets, "the api reads no secret"
    for secret_resource in secrets:
        versions = [
            v.address
            for v in config.resources("google_secret_manager_secret_version")
            if secret_resource in v.references()
        ]
        assert versions, f"{secret_resource} has no version created by Terraform"
        assert set(versions) & waits_for, f"api does not wait for {versions}"
        grants = [
            g.address
            for g in config.resources("google_secret_manager_secret_iam_member")
            if secret_resource in g.references() and "google_service_account.api" in g.references()
        ]
        assert grants and set(grants) <= waits_for, f"api does not wait for its grant {grants}"
        # A grant made is not yet a grant seen: api waits for a pause after each grant.
        settled = [
            t.address
            for t in config.resources("time_sleep")
            if set(grants) <= config.depends_on(t.address)
        ]
        assert set(settled) & waits_for, f"api does not wait for {grants} to propagate"


def test_storage_notification_waits_for_the_storage_agent_grant():
    """Issue 16, item 3: the Cloud Storage service agent exists only once asked for
    (data.google_storage_project_service_account creates it), and Cloud Storage checks
    its publish permission when the notification is created: the grant must come first,
    with time for IAM to propagate."""
    config = Config.read(TERRAFORM)
    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    assert "gs-project-accounts" not in text, "the storage agent's email is built by hand"
    agent = "data.google_storage_project_service_account.gcs"
    notifications = config.resources("google_storage_notification")
    assert notifications, "no storage notification"
    for notification in notifications:
        waits_for = config.depends_on(notification.address)
        grants = [
            g.address
            for g in config.resources("google_pubsub_topic_iam_member")
            if agent in g.references() and g.address in waits_for
        ]
        assert grants, f"{notification.address} does not wait for the agent's publish grant"
        sleeps = [
            s.address
            for s in config.resources("time_sleep")
            if s.address in waits_for and set(grants) & config.depends_on(s.address)
        ]
        assert sleeps, f"{notification.address}: no propagation wait after {grants}"
