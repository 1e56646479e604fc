"""terraform/ and the gcp-* make targets, checked offline against what GCP requires.

Each check stands in for a failure a first `make gcp-apply` (or the deployment's first
hours) would meet on a fresh project (issue 16, items 4-8 and 10-12); the docstrings
name the rule and where it is documented. Each has a negative case on a small broken
input. The files are read with terraform_files.Config (python-hcl2); the dependency
graph is checked in test_terraform_graph.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from mediacore.names import playlist_object, segment_object
from tests.infra.terraform_files import Block, Config, references

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"


@pytest.fixture(scope="module")
def config() -> Config:
    return Config.read(TERRAFORM)


# --- item 4: dead letters ------------------------------------------------------------------
PUBSUB_AGENT = "google_project_service_identity.pubsub"


def dead_letter_problems(config: Config) -> list[str]:
    """Pub/Sub forwards to a dead-letter topic as its service agent, which needs publish
    on that topic and subscribe on the source subscription (cloud.google.com/pubsub/docs/
    handling-failures); a topic with no subscription keeps nothing; a subscription idle
    for 31 days is deleted unless its expiration ttl is "" ; and everything delivered to
    analyze must be able to dead-letter (Eventarc's own subscription cannot)."""
    problems = []
    subscriptions = config.resources("google_pubsub_subscription")
    for trigger in config.resources("google_eventarc_trigger"):
        problems.append(f"{trigger.address}: Eventarc's subscription has no dead-letter topic")
    for sub in subscriptions:
        expiration = sub.child("expiration_policy")
        if expiration is None or expiration.get("ttl") != "":
            problems.append(f'{sub.address}: expires when idle (set expiration_policy ttl = "")')
        push = sub.child("push_config")
        policy = sub.child("dead_letter_policy")
        if push and "google_cloud_run_v2_service.analyze" in push.references() and not policy:
            problems.append(f"{sub.address}: deliveries to analyze cannot dead-letter")
        if not policy:
            continue
        (topic,) = references(policy.get("dead_letter_topic"))
        grants = [
            g
            for g in config.resources()
            if PUBSUB_AGENT in config.depends_on(g.address) and g.get("role") is not None
        ]
        if not any(
            g.labels[0] == "google_pubsub_topic_iam_member"
            and g.get("role") == "roles/pubsub.publisher"
            and topic in config.depends_on(g.address)
            for g in grants
        ):
            problems.append(f"{sub.address}: the Pub/Sub agent may not publish to {topic}")
        if not any(
            g.labels[0] == "google_pubsub_subscription_iam_member"
            and g.get("role") == "roles/pubsub.subscriber"
            and sub.address in config.depends_on(g.address)
            for g in grants
        ):
            problems.append(f"{sub.address}: the Pub/Sub agent may not subscribe to it")
        if not any(
            topic in references(s.get("topic")) and not s.child("push_config")
            for s in subscriptions
        ):
            problems.append(f"{topic} has no subscription: dead letters are lost")
    return problems


def test_dead_letters_are_forwarded_and_kept(config):
    assert dead_letter_problems(config) == []


def test_dead_letter_check_rejects_the_unreachable_topic():
    broken = Config.of(
        """
resource "google_pubsub_topic" "dead" {
  name = "dead"
}
resource "google_pubsub_subscription" "push" {
  topic = "t"
  push_config {
    push_endpoint = google_cloud_run_v2_service.analyze.uri
  }
  dead_letter_policy {
    dead_letter_topic = google_pubsub_topic.dead.id
  }
}
resource "google_cloud_run_v2_service" "analyze" {
  name = "analyze"
}
resource "google_eventarc_trigger" "t" {
  name = "t"
}
"""
    )
    problems = "\n".join(dead_letter_problems(broken))
    for expected in (
        "may not publish",
        "may not subscribe",
        "no subscription",
        "expires",
        "Eventarc",
    ):
        assert expected in problems


# --- item 5: Cloud Run billing -------------------------------------------------------------
def billing_problems(config: Config) -> list[str]:
    """Cloud Run v2: cpu_idle is true by default only when `resources` is not set; a
    service that sets resources without it is billed for the instance's whole lifetime
    (provider docs, google_cloud_run_v2_service; docs/deploy-gcp.md's cost table assumes
    request-based billing). GPU services need instance-based billing."""
    problems = []
    for service in config.resources("google_cloud_run_v2_service"):
        for container in service.child("template").children("containers"):
            resources = container.child("resources")
            if resources is None:
                continue
            gpu = "nvidia.com/gpu" in resources.get("limits", {})
            idle = resources.get("cpu_idle")
            if idle is None:
                problems.append(f"{service.address}: resources set without cpu_idle")
            elif idle == gpu:
                problems.append(f"{service.address}: cpu_idle = {idle} on a GPU={gpu} service")
    return problems


def test_cloud_run_bills_requests_only_where_meant(config):
    assert billing_problems(config) == []


def test_billing_check_rejects_resources_without_cpu_idle():
    broken = Config.of(
        'resource "google_cloud_run_v2_service" "s" {\n  template {\n    containers {\n'
        '      resources {\n        limits = { cpu = "1", memory = "1Gi" }\n      }\n'
        "    }\n  }\n}\n"
    )
    assert billing_problems(broken) == [
        "google_cloud_run_v2_service.s: resources set without cpu_idle"
    ]


# --- item 6: user credentials need a quota project -------------------------------------------
def provider_problems(config: Config) -> list[str]:
    """Firebase Rules (google_firebaserules_ruleset), Firebase Management and Identity
    Toolkit reject user ADC without a quota project: the providers must send one
    (provider docs: user_project_override, billing_project)."""
    problems = []
    for name in ("google", "google-beta"):
        provider = config.provider(name)
        if provider is None:
            problems.append(f"provider {name} is not configured")
            continue
        if provider.get("user_project_override") is not True:
            problems.append(f"provider {name}: user_project_override is not true")
        if "billing_project" not in provider.attributes:
            problems.append(f"provider {name}: no billing_project")
    return problems


def test_providers_bill_user_credentials_to_the_project(config):
    assert provider_problems(config) == []


def test_provider_check_rejects_a_provider_without_quota_project():
    broken = Config.of('provider "google" {\n  project = var.project_id\n}\n')
    assert len(provider_problems(broken)) == 3


# --- item 7: usage logs ----------------------------------------------------------------------
LOG_WRITER = "group:cloud-storage-analytics@google.com"


def usage_log_problems(config: Config) -> list[str]:
    """Cloud Storage writes usage logs as cloud-storage-analytics@google.com, which needs
    object create on the log bucket (cloud.google.com/storage/docs/access-logs)."""
    problems = []
    for bucket in config.resources("google_storage_bucket"):
        logging = bucket.child("logging")
        if not logging:
            continue
        (target,) = references(logging.get("log_bucket"))
        if not any(
            g.get("member") == LOG_WRITER
            and g.get("role") in ("roles/storage.objectCreator", "roles/storage.legacyBucketWriter")
            and target in g.references()
            for g in config.resources("google_storage_bucket_iam_member")
        ):
            problems.append(f"{bucket.address}: Cloud Storage may not write logs to {target}")
    return problems


def test_usage_logs_can_be_written(config):
    assert usage_log_problems(config) == []


def test_usage_log_check_rejects_a_log_bucket_without_the_grant():
    broken = Config.of(
        'resource "google_storage_bucket" "logs" {\n  name = "l"\n}\n'
        'resource "google_storage_bucket" "b" {\n  logging {\n'
        "    log_bucket = google_storage_bucket.logs.name\n  }\n}\n"
    )
    assert usage_log_problems(broken) == [
        "google_storage_bucket.b: Cloud Storage may not write logs to google_storage_bucket.logs"
    ]


# --- item 7 and 12: the make targets -------------------------------------------------------
def make_commands(target: str, **variables: str) -> list[list[str]]:
    make = shutil.which("make")
    if not make:
        pytest.skip("needs make")
    args = [f"{k}={v}" for k, v in variables.items()]
    done = subprocess.run(
        [make, "-s", "-n", target, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [line.split() for line in done.stdout.replace("\\\n", " ").splitlines() if line]


def saved_plan_problems(commands: list[list[str]]) -> list[str]:
    """`terraform apply PLANFILE` applies whatever was planned then, for an older image
    tag or older files: apply must plan afresh (and ask)."""
    problems = []
    for words in commands:
        if words[:1] == ["terraform"] and "apply" in words:
            rest = words[words.index("apply") + 1 :]
            # Options that take a separate value; anything else not an option is a plan.
            values = {k + 1 for k, w in enumerate(rest) if w in ("-var", "-var-file", "-target")}
            positional = [
                w for k, w in enumerate(rest) if not w.startswith("-") and k not in values
            ]
            if positional:
                problems.append(f"applies a saved plan: {' '.join(words)}")
        if words[:1] == ["terraform"] and any(w.startswith("-out") for w in words):
            problems.append(f"saves a plan to apply later: {' '.join(words)}")
    return problems


def test_gcp_apply_plans_afresh():
    commands = make_commands("gcp-apply", PROJECT="p", TAG="t1")
    assert saved_plan_problems(commands) == []
    apply = next(w for w in commands if "apply" in w)
    assert "image_tag=t1" in apply and "project_id=p" in apply
    assert saved_plan_problems(make_commands("gcp-plan", PROJECT="p")) == []


def test_saved_plan_check_rejects_the_old_targets():
    old = [
        "terraform -chdir=terraform plan -var image_tag=t1 -out=tfplan".split(),
        "terraform -chdir=terraform apply tfplan".split(),
    ]
    assert len(saved_plan_problems(old)) == 2


def backend_problems(config: Config, init: list[str]) -> list[str]:
    """Local state is lost with the machine that ran apply: the state must be in a GCS
    bucket, named at init (partial configuration, so offline checks can init with
    -backend=false)."""
    backends = [b for t in config.all("terraform") for b in t.children("backend")]
    if [b.labels for b in backends] != [["gcs"]]:
        return ["no gcs backend"]
    if "bucket" in backends[0].attributes:
        return ["the backend names a bucket: it differs per project, pass it at init"]
    if not any(w.startswith("-backend-config=bucket=") for w in init):
        return [f"init names no state bucket: {' '.join(init)}"]
    return []


def test_state_is_kept_in_a_bucket(config):
    init = next(w for w in make_commands("gcp-plan", PROJECT="p") if "init" in w)
    assert backend_problems(config, init) == []
    assert "-backend-config=bucket=p-tfstate" in init


def test_backend_check_rejects_local_state():
    broken = Config.of('terraform {\n  required_version = ">= 1.6"\n}\n')
    assert backend_problems(broken, ["terraform", "init"]) == ["no gcs backend"]


def run_with_fake_gcloud(script: Path, *args: str, tmp_path: Path) -> list[str]:
    """Run ``script`` with a gcloud that records its arguments and finds no bucket."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "gcloud.log"
    fake = bin_dir / "gcloud"
    fake.write_text(
        f'#!/bin/bash\necho "$*" >> {log}\n[[ "$*" == *"buckets describe"* ]] && exit 1\nexit 0\n'
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    done = subprocess.run(
        ["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines()


def test_bootstrap_creates_the_versioned_state_bucket(tmp_path):
    """Stands in for terraform/bootstrap.sh against a fresh project (gcloud recorded)."""
    calls = run_with_fake_gcloud(TERRAFORM / "bootstrap.sh", "p", "europe-west4", tmp_path=tmp_path)
    create = next(c for c in calls if "buckets create" in c)
    assert "gs://p-tfstate" in create and "--location europe-west4" in create
    assert "--public-access-prevention" in create and "--uniform-bucket-level-access" in create
    assert any("buckets update gs://p-tfstate" in c and "--versioning" in c for c in calls)
    enabled = next(c for c in calls if "services enable" in c)
    assert "serviceusage.googleapis.com" in enabled and "cloudresourcemanager" in enabled


# --- Cloud Build: the identity and buckets the make targets name exist ------------------------
def test_image_builds_use_what_terraform_creates(config):
    """A build with its own identity logs to Cloud Logging only; the identity, staging
    bucket and repository the gcp-* targets name are the ones terraform/ creates, and
    `make gcp-registry` targets resources that exist."""
    build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    assert build["options"]["logging"] == "CLOUD_LOGGING_ONLY"
    repository = config.resource("google_artifact_registry_repository.images")
    assert build["substitutions"]["_REPOSITORY"] == repository.get("repository_id")
    submit = next(w for w in make_commands("gcp-images", PROJECT="p") if "submit" in w)
    account = config.resource("google_service_account.build").get("account_id")
    assert (
        f"--service-account=projects/p/serviceAccounts/{account}@p.iam.gserviceaccount.com"
        in submit
    )
    staging = config.resource("google_storage_bucket.build_source").get("name")
    assert staging == "${var.project_id}-build"
    assert "--gcs-source-staging-dir=gs://p-build/source" in submit
    targets = [
        w.split("=", 1)[1]
        for w in next(w for w in make_commands("gcp-registry", PROJECT="p") if "apply" in w)
        if w.startswith("-target=")
    ]
    assert targets and all(config.resource(t) for t in targets)


# --- item 8: the ingest VM's start-up script -------------------------------------------------
# Container-Optimized OS: / is read-only; /home, /var, /mnt/stateful_partition are
# writable and kept, /tmp, /run, /etc, /var/lib/cloud writable and cleared at boot
# (cloud.google.com/container-optimized-os/docs/concepts/disks-and-filesystem).
COS_WRITABLE = ("/home/", "/var/", "/mnt/stateful_partition/", "/tmp/", "/run/", "/etc/")
FAKE_COS = r"""#!/bin/bash
# A stand-in for the command named by $0 on Container-Optimized OS: records the call and
# refuses to write outside the writable mounts.
name=$(basename "$0")
echo "$name $*" >> "$FAKE_LOG"
writable() {
  case "$1/" in WRITABLE) return 0 ;; esac
  echo "$name: $1: read-only file system" >&2
  return 1
}
case "$name" in
  mkdir) for a in "$@"; do [[ $a == -* ]] || writable "$a" || exit 1; done ;;
  docker-credential-gcr) writable "${DOCKER_CONFIG:-$HOME/.docker}" || exit 1 ;;
esac
exit 0
"""


def startup_script(config: Config) -> str:
    """The VM's start-up script with Terraform's interpolations filled in."""
    heredoc = config.resource("google_compute_instance.ingest").get("metadata")["startup-script"]
    # <<-EOT: Terraform strips the lines' common indentation.
    body = textwrap.dedent(re.fullmatch(r"<<-EOT\n(.*\n)\s*EOT", heredoc, re.S).group(1))
    body = body.replace('${local.image["ingest"]}', "r-docker.pkg.dev/p/media-analyzer/ingest:t")
    body = body.replace("${local.ingest_env_flags}", "-e MA_BUCKET_URL=gs://p-media")
    body = body.replace("${var.region}", "us-central1")
    assert "${" not in body.replace("$${", ""), body
    return body


def run_on_fake_cos(script: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess, str]:
    """Run a start-up script as Compute Engine does on COS (root, HOME=/root), with every
    command it changes the machine with replaced by a recorder."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = FAKE_COS.replace("WRITABLE", "|".join(p + "*" for p in COS_WRITABLE))
    for name in ("docker", "docker-credential-gcr", "mkdir", "sleep"):
        (bin_dir / name).write_text(fake)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": "/root", "FAKE_LOG": str(log)}
    (tmp_path / "startup.sh").write_text(script)
    done = subprocess.run(
        ["bash", str(tmp_path / "startup.sh")], env=env, capture_output=True, text=True, timeout=30
    )
    return done, log.read_text() if log.exists() else ""


def test_ingest_startup_script_starts_both_containers(config, tmp_path):
    """Stands in for the VM's first boot: the credential helper must write its docker
    config somewhere writable, then both ingest containers start."""
    done, calls = run_on_fake_cos(startup_script(config), tmp_path)
    assert done.returncode == 0, done.stderr
    runs = [line for line in calls.splitlines() if line.startswith("docker run")]
    assert len(runs) == 2 and "ingest serve" in runs[0] and "ingest nginx" in runs[1], calls


def test_fake_cos_refuses_the_credential_helper_in_roots_home(tmp_path):
    script = "#!/bin/bash\nset -e\ndocker-credential-gcr configure-docker\ndocker run x\n"
    done, calls = run_on_fake_cos(script, tmp_path)
    assert done.returncode != 0 and "read-only file system" in done.stderr
    assert "docker run" not in calls


def test_ingest_containers_log_to_cloud_logging(config):
    """COS ships container output to Cloud Logging only with google-logging-enabled."""
    metadata = config.resource("google_compute_instance.ingest").get("metadata")
    assert metadata.get("google-logging-enabled") == "true"


# --- item 10: dashboard sign-in --------------------------------------------------------------
def env_of(service: Block) -> dict[str, str]:
    """Name -> expression of a Cloud Run service's environment (env blocks and dynamic
    env blocks over an object literal)."""
    found = {}
    for container in service.child("template").children("containers"):
        for env in container.children("env"):
            found[env.get("name")] = env.get("value", "")  # absent for secrets (value_source)
        for dynamic in container.children("dynamic"):
            if dynamic.labels == ["env"] and isinstance(dynamic.get("for_each"), dict):
                found |= dynamic.get("for_each")
    return found


def sign_in_problems(config: Config, template: str) -> list[str]:
    """The dashboard container renders /config.json from its environment
    (frontend/docker/config.json.template): on Cloud Run every non-emulator variable must
    be set, the Firebase ones from a Firebase web app; and Firebase Authentication only
    signs in on authorised domains, which must include the dashboard's."""
    problems = []
    wanted = set(re.findall(r"\$\{(\w+)\}", template)) - {"FIRESTORE_EMULATOR", "AUTH_EMULATOR"}
    env = env_of(config.resource("google_cloud_run_v2_service.frontend"))
    for name in sorted(wanted - set(env)):
        problems.append(f"the dashboard does not set {name}")
    for name in ("FIREBASE_API_KEY", "FIREBASE_AUTH_DOMAIN"):
        if name in env and "data.google_firebase_web_app_config." not in env[name]:
            problems.append(f"{name} does not come from the Firebase web app")
    auth = config.resources("google_identity_platform_config")
    if not auth:
        problems.append("no Firebase Authentication configuration (authorised domains)")
    elif "local.dashboard_hosts" not in references(auth[0].get("authorized_domains")):
        problems.append("the dashboard's domains are not authorised")
    elif not {"local.origins", "google_cloud_run_v2_service.frontend"} <= config.depends_on(
        "local.dashboard_hosts"
    ):
        problems.append("the authorised domains are not the dashboard's")
    return problems


TEMPLATE = ROOT / "frontend" / "docker" / "config.json.template"


def test_dashboard_can_sign_in(config):
    assert sign_in_problems(config, TEMPLATE.read_text()) == []


def test_sign_in_check_rejects_a_dashboard_without_firebase_config():
    broken = Config.of(
        'resource "google_cloud_run_v2_service" "frontend" {\n  template {\n    containers {\n'
        '      env {\n        name  = "FIREBASE_PROJECT_ID"\n        value = var.project_id\n'
        "      }\n    }\n  }\n}\n"
    )
    problems = sign_in_problems(broken, TEMPLATE.read_text())
    assert "the dashboard does not set FIREBASE_API_KEY" in problems
    assert "no Firebase Authentication configuration (authorised domains)" in problems


# --- item 11: which objects invoke analyze ---------------------------------------------------
TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|!=|=|:|,|[A-Za-z_][\w.]*)')


def pubsub_filter(expression: str, attributes: dict[str, str]) -> bool:
    """Pub/Sub's subscription filter language (cloud.google.com/pubsub/docs/subscription-
    message-filter): attributes:KEY, attributes.KEY = / != "v", hasPrefix(attributes.KEY,
    "p"), NOT, AND, OR, parentheses. AND and OR may not be mixed without parentheses."""
    tokens = [t for t in TOKEN.findall(expression)]
    assert "".join(tokens).replace(" ", "") == expression.replace(" ", ""), expression
    position = 0

    def take(expected=None):
        nonlocal position
        token = tokens[position]
        assert expected is None or token == expected, (token, expected)
        position += 1
        return token

    def key(token):
        assert token.startswith("attributes."), token
        return token.split(".", 1)[1]

    def term():
        token = take()
        if token in ("NOT", "-"):
            return not term()
        if token == "(":
            value = expression_()
            take(")")
            return value
        if token == "hasPrefix":
            take("(")
            name = key(take())
            take(",")
            prefix = take()[1:-1]
            take(")")
            return attributes.get(name, "").startswith(prefix)
        if token == "attributes":
            take(":")
            return take() in attributes
        name = key(token)
        operator, value = take(), take()[1:-1]
        return (attributes.get(name) == value) == (operator == "=")

    def expression_():
        value = term()
        while position < len(tokens) and tokens[position] in ("AND", "OR"):
            if take() == "AND":
                value = term() and value
            else:
                value = term() or value
        return value

    result = expression_()
    assert position == len(tokens), expression
    return result


def analyze_invocations(config: Config, name: str, overwrote: bool) -> int:
    """How many times a finalize of object ``name`` invokes analyze: Eventarc direct
    storage triggers (filter: bucket and type only, cloud.google.com/eventarc/docs/
    path-patterns), and storage notifications (event types, one name prefix) to topics
    whose push subscriptions to analyze pass the message's attributes through their
    filter (GCS sets overwroteGeneration on a finalize that replaced a live object,
    cloud.google.com/storage/docs/pubsub-notifications)."""
    analyze = "google_cloud_run_v2_service.analyze"
    count = 0
    for trigger in config.resources("google_eventarc_trigger"):
        if analyze in trigger.child("destination").references():
            count += 1
    attributes = {"eventType": "OBJECT_FINALIZE", "objectId": name, "bucketId": "b"}
    if overwrote:
        attributes["overwroteGeneration"] = "1700000000000001"
    for note in config.resources("google_storage_notification"):
        if "OBJECT_FINALIZE" not in note.get("event_types", ["OBJECT_FINALIZE"]):
            continue
        if not name.startswith(note.get("object_name_prefix", "")):
            continue
        (topic,) = references(note.get("topic"))
        for sub in config.resources("google_pubsub_subscription"):
            push = sub.child("push_config")
            if topic not in references(sub.get("topic")) or not push:
                continue
            if analyze not in push.references():
                continue
            if "filter" in sub.attributes and not pubsub_filter(sub.get("filter"), attributes):
                continue
            count += 1
    return count


def test_only_segments_invoke_analyze(config):
    segment, playlist = segment_object("studio-a", 7), playlist_object("studio-a")
    assert analyze_invocations(config, segment, overwrote=False) == 1
    # Rewritten after every segment: never delivered. Its first write (once per stream)
    # cannot be told apart by prefix or attributes; analyze acknowledges it.
    assert analyze_invocations(config, playlist, overwrote=True) == 0
    assert analyze_invocations(config, playlist, overwrote=False) <= 1
    assert analyze_invocations(config, "logos/nike/reference.png", overwrote=False) == 0


def test_invocation_model_sees_the_bucket_wide_trigger():
    eventarc = Config.of(
        'resource "google_cloud_run_v2_service" "analyze" {\n  name = "analyze"\n}\n'
        'resource "google_eventarc_trigger" "t" {\n  destination {\n    cloud_run_service {\n'
        "      service = google_cloud_run_v2_service.analyze.name\n    }\n  }\n}\n"
    )
    assert analyze_invocations(eventarc, playlist_object("s"), overwrote=True) == 1


def test_filter_language_subset():
    attributes = {"objectId": "streams/s/index.m3u8", "overwroteGeneration": "2"}
    assert pubsub_filter("attributes:overwroteGeneration", attributes)
    assert not pubsub_filter("NOT attributes:overwroteGeneration", attributes)
    assert pubsub_filter('hasPrefix(attributes.objectId, "streams/")', attributes)
    playlist = 'attributes.objectId != "streams/s/index.m3u8"'
    assert not pubsub_filter(
        f'hasPrefix(attributes.objectId, "streams/") AND {playlist}', attributes
    )


# --- evidence thumbnails (issue 17) -----------------------------------------------------------
def evidence_grant_problems(config: Config) -> list[str]:
    """analyze writes each appearance's best frame under evidence/ (mediacore.names); on
    GCP it holds only objectViewer on the bucket, so the write needs a grant, kept to that
    prefix by an IAM condition (cloud.google.com/storage/docs/access-control/iam#conditions)."""
    from mediacore.names import EVIDENCE_ROOT

    for grant in config.resources("google_storage_bucket_iam_member"):
        if "google_service_account.analyze" not in grant.references():
            continue
        if grant.get("role") not in ("roles/storage.objectUser", "roles/storage.objectCreator"):
            continue
        condition = grant.child("condition")
        expression = condition.get("expression") if condition else ""
        if f"/objects/{EVIDENCE_ROOT}" in (expression or ""):
            return []
        return [f"{grant.address}: analyze may write anywhere in the bucket"]
    return ["analyze has no grant to write evidence/ (thumbnails would be refused)"]


def test_analyze_may_write_evidence_and_nothing_else(config):
    assert evidence_grant_problems(config) == []


def test_evidence_check_rejects_a_missing_or_unconditioned_grant(tmp_path):
    base = textwrap.dedent(
        """
        resource "google_service_account" "analyze" {
          account_id = "analyze"
        }
        resource "google_storage_bucket" "media" {
          name = "m"
        }
        resource "google_storage_bucket_iam_member" "analyze_reads" {
          bucket = google_storage_bucket.media.name
          role   = "roles/storage.objectViewer"
          member = "serviceAccount:${google_service_account.analyze.email}"
        }
        """
    )
    (tmp_path / "main.tf").write_text(base)
    assert "no grant" in evidence_grant_problems(Config.read(tmp_path))[0]
    (tmp_path / "main.tf").write_text(
        base.replace("objectViewer", "objectUser").replace("analyze_reads", "analyze_writes")
    )
    assert "anywhere" in evidence_grant_problems(Config.read(tmp_path))[0]


def imported_addresses(guide: str) -> list[str]:
    """Resource addresses the guide tells an operator to `terraform import`."""
    commands = re.findall(r"import [^`]*?((?:google|data)[\w-]*\.\w+) ", guide)
    commands += re.findall(r"`\.\.\. ((?:google)[\w-]*\.\w+) ", guide)
    return commands


def test_addresses_the_guide_imports_exist(config):
    """Stands in for `terraform import` on a project that already has Firebase (not run
    here: needs a project): an address the guide names that terraform/ does not declare
    would make the import fail."""
    guide = (ROOT / "docs" / "deploy-gcp.md").read_text()
    named = imported_addresses(guide)
    assert len(named) >= 2, named
    declared = {b.address for b in config.resources()}
    assert [a for a in named if a not in declared] == []


def test_import_check_notices_an_undeclared_address():
    assert imported_addresses("`terraform import google_firebase_project.gone projects/P`") == [
        "google_firebase_project.gone"
    ]
