"""Knative on KIND works on first use (issue 16, items 13-16).

No cluster runs here (no Docker engine), so each check stands in for what Knative, the
kubelet or MinIO would refuse on a real one, reading the rendered manifests
(knative/manifests), knative/kind-up.sh, knative/kind-config.yaml and the Dockerfiles; each
has a negative case on a deliberately broken input. kind-up.sh itself is walked end to end
with stand-ins for docker, kind and kubectl that record what it asks them to do. What only
a cluster shows is in docs/deploy-kind.md, marked "not run here".
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KNATIVE = ROOT / "knative"
MANIFESTS = KNATIVE / "manifests"
KIND_UP = KNATIVE / "kind-up.sh"
# Knative's config-deployment `registries-skipping-tag-resolving` default (knative/serving
# config/core/configmaps/deployment.yaml and pkg/deployment/config.go, knative-v1.20.0):
# any other registry is asked for the tag's digest, and a revision fails when it cannot be.
KNATIVE_SKIPS_TAG_RESOLUTION = {"kind.local", "ko.local", "dev.local"}
WEBHOOK_TOKEN_VAR = "MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ANALYZE"
CLUSTER_LOCAL = {"networking.knative.dev/visibility": "cluster-local"}


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"knative_{name}", KNATIVE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


render = load("render")


def documents(files: dict[str, str] | None = None) -> list[dict]:
    """The checked-in manifests, or a fresh rendering's files."""
    texts = files.values() if files else [p.read_text() for p in MANIFESTS.glob("[0-9]*.yaml")]
    return [d for text in texts for d in yaml.safe_load_all(text) if d]


def named(docs: list[dict], kind: str, name: str) -> dict:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def pods(docs: list[dict]):
    """(document, pod spec) for every workload: Deployments, Jobs, Knative Services."""
    for doc in docs:
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        if pod and "containers" in pod:
            yield doc, pod


def only_container(doc: dict) -> dict:
    (container,) = doc["spec"]["template"]["spec"]["containers"]
    return container


def env_of(container: dict) -> dict[str, object]:
    """Variable -> value, or ("secret", name, key) for a secretKeyRef."""
    out: dict[str, object] = {}
    for e in container.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        out[e["name"]] = ("secret", ref["name"], ref["key"]) if ref else e.get("value")
    return out


def image_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1].split(":")[0]


# --- item 13: tags Knative can resolve -----------------------------------------------------------
def registry_of(image: str) -> str:
    """The registry a reference names (Docker's rule: a first component with a dot or a
    colon, or `localhost`; otherwise Docker Hub)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "index.docker.io"


def tag_resolution_problems(docs: list[dict]) -> list[str]:
    skips = set(KNATIVE_SKIPS_TAG_RESOLUTION)
    for doc in docs:  # a config-deployment ConfigMap shipped with the manifests extends it
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "config-deployment":
            raw = doc.get("data", {}).get("registries-skipping-tag-resolving", "")
            skips = {r.strip() for r in raw.split(",") if r.strip()}
    problems = []
    for doc, pod in pods(docs):
        for c in pod["containers"]:
            if doc["kind"] == "Service" and "@sha256:" not in c["image"]:
                if registry_of(c["image"]) not in skips:
                    problems.append(
                        f"{doc['metadata']['name']}: Knative resolves {c['image']} through "
                        f"{registry_of(c['image'])}, where a `kind load`ed image is not"
                    )
    return problems


def test_knative_does_not_look_up_the_loaded_images_in_a_registry():
    """Stands in for Knative's tag-to-digest resolution, which fails every revision whose
    image was only `kind load`ed (media-analyzer/x:dev means Docker Hub)."""
    assert tag_resolution_problems(documents()) == []


def test_tag_resolution_check_rejects_docker_hub_names():
    assert len(tag_resolution_problems(documents(render.render("media-analyzer", "dev")))) == 4


def test_kind_up_builds_every_image_the_manifests_use():
    """Stands in for `kind load`: every image of ours the manifests name is built and
    loaded under that very name (kubelet's IfNotPresent then finds it)."""
    built = {ref for ref, _ in render.build_list(render.REGISTRY, "dev", False)}
    used = {
        c["image"]
        for _, pod in pods(documents())
        for c in pod["containers"]
        if c["image"].startswith(render.REGISTRY)
    }
    assert used == built and len(used) == 4
    for _, how in render.build_list(render.REGISTRY, "dev", True):
        assert (ROOT / how.dockerfile).is_file() and (ROOT / how.context).is_dir()


# --- item 14: numeric users ----------------------------------------------------------------------
def uid_problems(docs: list[dict]) -> list[str]:
    problems = []
    for doc, pod in pods(docs):
        for c in pod["containers"]:
            sc = {**pod.get("securityContext", {}), **c.get("securityContext", {})}
            uid = sc.get("runAsUser")
            if sc.get("runAsNonRoot") and not (isinstance(uid, int) and uid > 0):
                problems.append(f"{doc['metadata']['name']}/{c['name']}: runAsUser {uid!r}")
    return problems


def test_non_root_containers_run_as_a_numeric_user():
    """Stands in for the kubelet, which refuses runAsNonRoot when the image's USER is a
    name (`fn`, `model`) and the pod gives no numeric runAsUser."""
    assert uid_problems(documents()) == []


def test_uid_check_rejects_a_container_without_a_numeric_user():
    docs = documents()
    del only_container(named(docs, "Service", "api"))["securityContext"]["runAsUser"]
    assert uid_problems(docs) == ["api/api: runAsUser None"]


def dockerfile_uid(text: str) -> int | None:
    """The numeric user the final stage runs as: USER N, or USER name + useradd --uid N."""
    final = re.split(r"^FROM\s", text, flags=re.M)[-1]
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    if not users:
        return None
    user = users[-1].split(":")[0]
    if user.isdigit():
        return int(user)
    made = re.search(rf"useradd\b[^\n]*?(?:--uid|-u)\s+(\d+)[^\n]*?\s{re.escape(user)}\b", final)
    return int(made.group(1)) if made else None


def test_run_as_user_is_the_user_each_dockerfile_creates():
    """The uid the manifests give each of our images is the one its Dockerfile runs as
    (a mismatch runs the process as a user that owns none of the image's files)."""
    docs = documents(render.render(gpu=True)) + documents()
    checked = set()
    for _, pod in pods(docs):
        for c in pod["containers"]:
            if c["image"].startswith(render.REGISTRY):
                how = render.IMAGES[image_name(c["image"])]
                want = dockerfile_uid((ROOT / how.dockerfile).read_text())
                assert c["securityContext"]["runAsUser"] == want == how.uid, c["image"]
                checked.add(how.dockerfile)
    assert checked == {how.dockerfile for how in render.IMAGES.values()}


def test_dockerfile_uid_reads_names_and_numbers():
    assert dockerfile_uid("FROM a\nRUN useradd --create-home --uid 10001 fn\nUSER fn\n") == 10001
    assert dockerfile_uid("FROM a AS b\nUSER 1\nFROM c\nUSER 101\n") == 101
    assert dockerfile_uid("FROM a\nUSER fn\n") is None  # a name nobody numbered


# --- item 15: the emulator starts, and the browser reaches it ----------------------------------
def mount_of(container: dict, pod: dict, path: str) -> dict | None:
    """The writable volume that holds ``path`` in this container, if any."""
    for m in container.get("volumeMounts", []):
        if (path + "/").startswith(m["mountPath"].rstrip("/") + "/") and not m.get("readOnly"):
            volume = next(v for v in pod["volumes"] if v["name"] == m["name"])
            if "emptyDir" in volume or "persistentVolumeClaim" in volume:
                return volume
    return None


def emulator_home_problems(docs: list[dict]) -> list[str]:
    doc = named(docs, "Deployment", "firestore")
    pod, c = doc["spec"]["template"]["spec"], only_container(doc)
    env = env_of(c)
    problems = []
    for var in ("HOME", "CLOUDSDK_CONFIG"):
        path = env.get(var)
        if not isinstance(path, str) or not mount_of(c, pod, path):
            problems.append(f"{var}={path!r} is not on a writable volume")
    return problems


def test_firestore_emulator_has_a_writable_home():
    """Stands in for gcloud's start-up, which writes its configuration under
    CLOUDSDK_CONFIG (default $HOME/.config/gcloud) and crashes on a read-only root with
    HOME=/ (the uid has no passwd entry)."""
    c = only_container(named(documents(), "Deployment", "firestore"))
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert emulator_home_problems(documents()) == []


def test_emulator_home_check_rejects_the_default_home():
    docs = documents()
    c = only_container(named(docs, "Deployment", "firestore"))
    c["env"] = [e for e in c["env"] if e["name"] != "HOME"]
    assert emulator_home_problems(docs) == ["HOME=None is not on a writable volume"]


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name (minio.media-analyzer.svc.cluster.local)
        return False


def loopback_mappings(kind_config: dict) -> dict[int, int]:
    """Host port -> node port, for KIND's mappings that listen on the host's 127.0.0.1."""
    return {
        m["hostPort"]: m["containerPort"]
        for node in kind_config["nodes"]
        for m in node.get("extraPortMappings", [])
        if m.get("listenAddress") == "127.0.0.1"
    }


def node_port_route_problems(docs: list[dict], kind_config: dict, host: str, port: int, app: str):
    """The browser's way from ``host:port`` to ``app``'s container: a loopback address,
    mapped by KIND to a node port of the ``app`` NodePort Service that leads to the
    container's port, and a NetworkPolicy that admits traffic from outside the namespace
    (node-port traffic does not come from this namespace's pods)."""
    problems = []
    if not is_loopback(host):
        problems.append(f"{host}:{port}: not the host's loopback")
    node_port = loopback_mappings(kind_config).get(port)
    if not node_port:
        return [*problems, f"kind-config.yaml maps no 127.0.0.1:{port}"]
    service = named(docs, "Service", app)
    ports = [p for p in service["spec"]["ports"] if p.get("nodePort") == node_port]
    container_port = only_container(named(docs, "Deployment", app))["ports"][0]["containerPort"]
    if service["spec"]["type"] != "NodePort" or not ports:
        problems.append(f"no NodePort {node_port} on the {app} Service")
    elif ports[0]["targetPort"] != container_port:
        problems.append(f"node port {node_port} does not lead to {app}'s port {container_port}")
    rules = named(docs, "NetworkPolicy", app)["spec"]["ingress"]
    if not any(
        "from" not in rule and container_port in [p["port"] for p in rule.get("ports", [])]
        for rule in rules
    ):
        problems.append(
            f"{app}'s NetworkPolicy admits only this namespace's pods, not the node port"
        )
    return problems


def browser_emulator_problems(docs: list[dict], kind_config: dict) -> list[str]:
    front = env_of(only_container(named(docs, "Service", "frontend")))
    address = front.get("FIRESTORE_EMULATOR")
    if not isinstance(address, str) or ":" not in address:
        return [f"the dashboard gets no emulator address ({address!r})"]
    host, port = address.rsplit(":", 1)
    return node_port_route_problems(docs, kind_config, host, int(port), "firestore")


def kind_config() -> dict:
    return yaml.safe_load((KNATIVE / "kind-config.yaml").read_text())


def test_dashboard_reaches_the_emulator_from_the_browser():
    """Stands in for the browser on the host: the dashboard's FIRESTORE_EMULATOR (its
    /config.json, frontend/docker/config.json.template) is a loopback address that KIND
    maps to a node port leading to the emulator, and the NetworkPolicy lets it through."""
    assert browser_emulator_problems(documents(), kind_config()) == []


def test_browser_check_rejects_a_missing_address_or_mapping():
    docs = documents()
    front = only_container(named(docs, "Service", "frontend"))
    front["env"] = [e for e in front["env"] if e["name"] != "FIRESTORE_EMULATOR"]
    assert browser_emulator_problems(docs, kind_config())
    config = kind_config()
    config["nodes"][0]["extraPortMappings"] = config["nodes"][0]["extraPortMappings"][:2]
    assert browser_emulator_problems(documents(), config)


def test_dashboard_needs_no_dev_token_on_kind():
    """Stands in for the API's credential rules (docs/security.md): the dev token works only
    with emulators on loopback, which KIND's are not, so no dashboard gets one; the
    dashboard reads through public reads as in compose and changes go through API keys."""
    docs = documents()
    for _, pod in pods(docs):
        for c in pod["containers"]:
            assert not [name for name in env_of(c) if "DEV_TOKEN" in name], c["name"]
    api = env_of(only_container(named(docs, "Service", "api")))
    assert api["MA_API_PUBLIC_READ"] == "true"


def test_dashboard_config_folder_is_writable():
    """Stands in for the nginx image's start-up, which renders /config.json into
    NGINX_ENVSUBST_OUTPUT_DIR (frontend/Dockerfile) on a read-only root."""
    dockerfile = (ROOT / "frontend" / "Dockerfile").read_text()
    out_dir = re.search(r"NGINX_ENVSUBST_OUTPUT_DIR=(\S+)", dockerfile).group(1)
    doc = named(documents(), "Service", "frontend")
    assert mount_of(only_container(doc), doc["spec"]["template"]["spec"], out_dir)


# --- issue 16 follow-up: the player reaches MinIO from the browser ------------------------------
def s3_browser_problems(docs: list[dict], kind_config: dict) -> list[str]:
    """Every container that reaches MinIO at an in-cluster address also names it as the
    host's browser reaches it (MA_S3_PUBLIC_URL: mediacore.storage.S3Store signs the
    player's segment URLs for that host, as SigV4 signs the Host header), that address
    leads to MinIO's S3 port, and MinIO's CORS admits the dashboard's origin."""
    from urllib.parse import urlsplit

    problems, public_hosts = [], set()
    for doc, pod in pods(docs):
        for c in pod["containers"]:
            env = env_of(c)
            endpoint = env.get("MA_S3_ENDPOINT_URL")
            if not isinstance(endpoint, str):
                continue
            if is_loopback(urlsplit(endpoint).hostname or ""):
                continue  # already an address the host's browser can use
            public = env.get("MA_S3_PUBLIC_URL")
            where = f"{doc['metadata']['name']}/{c['name']}"
            if not isinstance(public, str) or not urlsplit(public).port:
                problems.append(f"{where}: MinIO at {endpoint}, no MA_S3_PUBLIC_URL with a port")
                continue
            public_hosts.add((urlsplit(public).hostname, urlsplit(public).port))
    if not problems and not public_hosts:
        problems.append("no container reaches MinIO")
    for host, port in sorted(public_hosts):
        problems += node_port_route_problems(docs, kind_config, host, port, "minio")
    # MinIO's global CORS (MINIO_API_CORS_ALLOW_ORIGIN, comma-separated; unset means "*",
    # minio internal/config/api/api.go) must admit the dashboard: hls.js fetches segments.
    minio_env = env_of(only_container(named(docs, "Deployment", "minio")))
    allowed = str(minio_env.get("MINIO_API_CORS_ALLOW_ORIGIN") or "*").split(",")
    api_env = env_of(only_container(named(docs, "Service", "api")))
    for origin in json.loads(str(api_env.get("MA_CORS_ORIGINS") or "[]")):
        if "*" not in allowed and origin not in allowed:
            problems.append(f"MinIO's CORS does not admit the dashboard's origin {origin}")
    return problems


def test_player_reaches_minio_from_the_browser():
    """Stands in for the dashboard's player in the host's browser: the segment URLs the API
    signs (functions/api/streams.py, S3Store.signed_url) name a loopback address that KIND
    maps to MinIO's node port (the in-cluster minio.media-analyzer.svc.cluster.local does
    not resolve on the host), the NetworkPolicy lets node-port traffic in, and MinIO's CORS
    admits the dashboard."""
    docs = documents()
    assert s3_browser_problems(docs, kind_config()) == []
    api = env_of(only_container(named(docs, "Service", "api")))
    assert api["MA_S3_PUBLIC_URL"].startswith("http://127.0.0.1:")


def test_s3_browser_check_rejects_a_missing_url_mapping_or_origin():
    docs = documents()
    api = only_container(named(docs, "Service", "api"))
    public_port = int(env_of(api)["MA_S3_PUBLIC_URL"].rsplit(":", 1)[1])
    api["env"] = [e for e in api["env"] if e["name"] != "MA_S3_PUBLIC_URL"]
    assert s3_browser_problems(docs, kind_config()) == [
        "api/api: MinIO at http://minio.media-analyzer.svc.cluster.local:9000, "
        "no MA_S3_PUBLIC_URL with a port"
    ]
    config = kind_config()
    node = config["nodes"][0]
    node["extraPortMappings"] = [
        m for m in node["extraPortMappings"] if m["hostPort"] != public_port
    ]
    assert s3_browser_problems(documents(), config) == [
        f"kind-config.yaml maps no 127.0.0.1:{public_port}"
    ]
    docs = documents()
    named(docs, "NetworkPolicy", "minio")["spec"]["ingress"] = [
        {"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 9000}]}
    ]
    assert s3_browser_problems(docs, kind_config()) == [
        "minio's NetworkPolicy admits only this namespace's pods, not the node port"
    ]
    docs = documents()
    minio = only_container(named(docs, "Deployment", "minio"))
    minio["env"] = [e for e in minio["env"] if e["name"] != "MINIO_API_CORS_ALLOW_ORIGIN"]
    minio["env"].append({"name": "MINIO_API_CORS_ALLOW_ORIGIN", "value": "http://elsewhere"})
    assert s3_browser_problems(docs, kind_config()) == [
        "MinIO's CORS does not admit the dashboard's origin "
        "http://frontend.media-analyzer.127.0.0.1.sslip.io"
    ]


# --- item 16: events kept, failures seen, the webhook private and authenticated ---------------
def queue_problems(docs: list[dict]) -> list[str]:
    doc = named(docs, "Deployment", "minio")
    pod, c = doc["spec"]["template"]["spec"], only_container(doc)
    queue = env_of(c).get("MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_ANALYZE")
    volume = mount_of(c, pod, str(queue))
    if not volume or "persistentVolumeClaim" not in volume:
        return [f"MinIO's event queue {queue} is not on a PersistentVolumeClaim"]
    claim = volume["persistentVolumeClaim"]["claimName"]
    if not [
        d for d in docs if d["kind"] == "PersistentVolumeClaim" and d["metadata"]["name"] == claim
    ]:
        return [f"no PersistentVolumeClaim {claim} in the manifests"]
    if doc["spec"].get("strategy", {}).get("type") != "Recreate":
        return ["a rolling update would start a second MinIO on the ReadWriteOnce volume"]
    return []


def test_minio_event_queue_survives_a_restart():
    """Stands in for a MinIO pod restart: events queued for a function that is down (and
    the bucket itself) are on a volume that outlives the pod, not an emptyDir."""
    assert queue_problems(documents()) == []


def test_queue_check_rejects_an_empty_dir():
    docs = documents()
    pod = named(docs, "Deployment", "minio")["spec"]["template"]["spec"]
    pod["volumes"] = [{"name": v["name"], "emptyDir": {}} for v in pod["volumes"]]
    assert queue_problems(docs)


def hidden_failures(script: str) -> list[str]:
    """Shell that carries on after a failed command: `|| true`, `|| :`, or `;` chains and
    new lines without `set -e` (or `sh -ec`)."""
    problems = [m.group(0) for m in re.finditer(r"\|\|\s*(true|:)\b", script)]
    errexit = re.search(r"^\s*set -e", script, re.M) or re.match(r"\s*sh -ec\b", script)
    if re.search(r";|\n\s*\S", script.strip()) and not errexit:
        problems.append("commands run on after a failure (no set -e)")
    return problems


def test_bucket_setup_failures_are_not_hidden():
    """Stands in for `mc event add` failing (an unknown ARN, MinIO not configured): the
    minio-init Job fails, and kind-up.sh, which waits for the Job to complete, fails too."""
    job = named(documents(), "Job", "minio-init")
    script = only_container(job)["args"][0]
    assert "mc event add" in script and hidden_failures(script) == []
    assert "--ignore-existing" in script.split("mc event add", 1)[1]  # a re-run is no failure
    kind_up = KIND_UP.read_text()
    assert hidden_failures(kind_up) == []
    assert 'kubectl wait --for=condition=Complete "job/$setup"' in kind_up
    assert "for setup in minio-init firestore-init; do" in kind_up


def test_hidden_failure_check_rejects_or_true():
    old = (
        "mc mb --ignore-existing local/media && (mc event add local/media "
        "arn:minio:sqs::ANALYZE:webhook --event put || true)"
    )
    assert hidden_failures(old) == ["|| true"]
    assert hidden_failures("mc mb x; mc event add y") == [
        "commands run on after a failure (no set -e)"
    ]


def webhook_problems(docs: list[dict]) -> list[str]:
    problems = []
    webhook = named(docs, "Service", "analyze-webhook")
    if webhook["metadata"].get("labels", {}).items() < CLUSTER_LOCAL.items():
        problems.append("analyze-webhook has a route on the external ingress")
    token = env_of(only_container(webhook)).get("MA_WEBHOOK_TOKEN")
    minio_env = env_of(only_container(named(docs, "Deployment", "minio")))
    if not (isinstance(token, tuple) and minio_env.get(WEBHOOK_TOKEN_VAR) == token):
        problems.append(f"MinIO's {WEBHOOK_TOKEN_VAR} is not the function's MA_WEBHOOK_TOKEN")
    endpoint = str(minio_env.get("MINIO_NOTIFY_WEBHOOK_ENDPOINT_ANALYZE"))
    if not endpoint.startswith("http://analyze-webhook.media-analyzer.svc.cluster.local"):
        problems.append(f"MinIO posts to {endpoint}, not the cluster-local address")
    return problems


def test_webhook_is_cluster_local_and_authenticated():
    """Stands in for a caller outside the cluster: analyze-webhook has no route on
    Kourier's external gateway (Knative's networking.knative.dev/visibility label), and
    MinIO sends the very Secret key the function checks (functions/webhook_auth.py)."""
    docs = documents()
    assert webhook_problems(docs) == []
    # The model service has no authentication of its own either.
    assert named(docs, "Service", "gpu")["metadata"]["labels"].items() >= CLUSTER_LOCAL.items()


def test_webhook_check_rejects_a_public_or_unauthenticated_webhook():
    docs = documents()
    del named(docs, "Service", "analyze-webhook")["metadata"]["labels"]
    minio = only_container(named(docs, "Deployment", "minio"))
    minio["env"] = [e for e in minio["env"] if e["name"] != WEBHOOK_TOKEN_VAR]
    assert len(webhook_problems(docs)) == 2


def secret_refs(docs: list[dict]) -> set[tuple[str, str]]:
    refs = set()
    for _, pod in pods(docs):
        for c in pod["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.add((ref["name"], ref["key"]))
            for source in c.get("envFrom", []):
                refs.add((source["secretRef"]["name"], "*"))
    return refs


def test_every_secret_key_the_manifests_read_is_made_by_kind_up():
    """Stands in for the kubelet on a cluster made by an older kind-up.sh: a secretKeyRef
    to a key the Secret lacks keeps the pod from starting. ensure_secret.py makes every
    key the manifests read (for GPU rendering too)."""
    ensure = load("ensure_secret")
    refs = secret_refs(documents()) | secret_refs(documents(render.render(gpu=True)))
    assert refs <= {(ensure.NAME, key) for key in ensure.KEYS}, refs


# ensure_secret.py against a stand-in kubectl that keeps the Secret in a file.
FAKE_KUBECTL = r"""#!/usr/bin/env bash
echo "kubectl $*" >> "$STUB_LOG"
case "$*" in
  "get secret media-analyzer -n media-analyzer -o json --ignore-not-found")
    cat "$STUB_SECRET" 2>/dev/null ;;
  "create -f -"|"replace -f -") cat > "$STUB_SECRET" ;;
  "get nodes -o jsonpath="*) echo "${STUB_GPUS:-}" ;;
  "apply -k "*) cp -r "${@: -1}" "$STUB_APPLIED" ;;
esac
exit 0
"""
# `docker port CONTAINER 30788/tcp` answers what STUB_DOCKER_PORTS maps that port to
# ("30788/tcp=127.0.0.1:8788 ..."), as docker does for a container made with those mappings.
FAKE_DOCKER = r"""#!/usr/bin/env bash
echo "docker $*" >> "$STUB_LOG"
if [ "$1" = port ]; then
  for m in ${STUB_DOCKER_PORTS:-}; do [ "${m%%=*}" = "$3" ] && echo "${m#*=}"; done
fi
exit 0
"""
FAKE_KIND = r"""#!/usr/bin/env bash
echo "kind $*" >> "$STUB_LOG"
[ "$1 $2" = "get clusters" ] && echo "${STUB_CLUSTERS:-}"
exit 0
"""


@pytest.fixture
def stubs(tmp_path):
    """A PATH whose docker, kind and kubectl only record their arguments (and keep the
    Secret in a file), and the environment that points them at tmp_path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("kubectl", FAKE_KUBECTL), ("docker", FAKE_DOCKER), ("kind", FAKE_KIND)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
        "STUB_LOG": str(tmp_path / "calls.log"),
        "STUB_SECRET": str(tmp_path / "secret.json"),
        "STUB_APPLIED": str(tmp_path / "applied"),
    }
    env.pop("TAG", None)
    return tmp_path, env


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def run_ensure_secret(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(KNATIVE / "ensure_secret.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ensure_secret_creates_then_completes_then_leaves_alone(stubs):
    """Stands in for kind-up.sh on a new cluster, on one made by an older kind-up.sh (no
    MA_WEBHOOK_TOKEN), and on a current one: keys are added, never replaced."""
    import base64

    tmp_path, env = stubs
    ensure = load("ensure_secret")
    secret_file = Path(env["STUB_SECRET"])

    assert run_ensure_secret(env).returncode == 0
    created = json.loads(secret_file.read_text())
    assert set(created["data"]) == set(ensure.KEYS)
    assert "kubectl create -f -" in calls(tmp_path)

    old = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "media-analyzer",
            "namespace": "media-analyzer",
            "resourceVersion": "7",
        },
        "data": {k: v for k, v in created["data"].items() if k != "MA_WEBHOOK_TOKEN"},
    }
    secret_file.write_text(json.dumps(old))
    done = run_ensure_secret(env)
    assert done.returncode == 0 and "added MA_WEBHOOK_TOKEN" in done.stdout
    patched = json.loads(secret_file.read_text())
    assert patched["metadata"]["resourceVersion"] == "7"  # a concurrent change fails, not lost
    assert {k: patched["data"][k] for k in old["data"]} == old["data"]
    assert base64.b64decode(patched["data"]["MA_WEBHOOK_TOKEN"]).decode()

    before = calls(tmp_path)
    assert "complete" in run_ensure_secret(env).stdout
    assert [c for c in calls(tmp_path)[len(before) :] if "get secret" not in c] == []
    for key in ("AWS_SECRET_ACCESS_KEY", "MA_API_KEYS", "MA_WEBHOOK_TOKEN"):
        secret_value = base64.b64decode(patched["data"][key]).decode()  # on stdin only
        assert not [c for c in calls(tmp_path) if secret_value in c]


def run_kind_up(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(KIND_UP), *args], env=env, capture_output=True, text=True, timeout=120
    )


def applied(tmp_path: Path) -> list[dict]:
    folder = tmp_path / "applied"
    return documents({p.name: p.read_text() for p in folder.glob("[0-9]*.yaml")})


def test_kind_up_walk_on_a_new_cluster(stubs):
    """Walks kind-up.sh end to end with docker, kind and kubectl recording their calls:
    the cluster from kind-config.yaml, Knative Serving + Kourier and no Eventing (nothing
    uses it), each image built from its Dockerfile and loaded under its kind.local name,
    the Secret made, the old Jobs removed, the current manifests applied, the bucket and
    the emulator's rules set up and awaited."""
    tmp_path, env = stubs
    done = run_kind_up(env)
    assert done.returncode == 0, done.stdout + done.stderr
    log = calls(tmp_path)
    assert "kind create cluster --config knative/kind-config.yaml" in log
    assert not [c for c in log if "eventing" in c]
    for ref, how in render.build_list(render.REGISTRY, "dev", False):
        assert f"docker build -f {how.dockerfile} -t {ref} {how.context}" in log
        assert f"kind load docker-image --name media-analyzer {ref}" in log
    assert "kubectl create -f -" in log  # the Secret, through ensure_secret.py
    delete = log.index(
        "kubectl delete job minio-init firestore-init -n media-analyzer --ignore-not-found"
    )
    apply = next(i for i, c in enumerate(log) if c.startswith("kubectl apply -k "))
    for setup in ("minio-init", "firestore-init"):  # the bucket, the emulator's rules
        wait = log.index(
            f"kubectl wait --for=condition=Complete job/{setup} -n media-analyzer --timeout=300s"
        )
        assert delete < apply < wait
    assert applied(tmp_path) == documents()


def docker_ports(mappings: dict[int, int]) -> str:
    """STUB_DOCKER_PORTS for a node made with these loopback mappings (host -> node port)."""
    return " ".join(f"{node}/tcp=127.0.0.1:{host}" for host, node in mappings.items())


def warned(stdout: str) -> list[str]:
    """The host addresses kind-up.sh's warnings name."""
    return re.findall(r"WARNING: .*?(\d+\.\d+\.\d+\.\d+:\d+)", stdout)


def test_kind_up_warns_on_a_cluster_without_the_emulator_port(stubs):
    tmp_path, env = stubs
    env["STUB_CLUSTERS"] = "media-analyzer"
    mappings = loopback_mappings(kind_config())
    env["STUB_DOCKER_PORTS"] = docker_ports({h: n for h, n in mappings.items() if h != 8788})
    done = run_kind_up(env)
    assert done.returncode == 0 and ["127.0.0.1:8788"] == warned(done.stdout)
    assert not [c for c in calls(tmp_path) if c.startswith("kind create")]
    env["STUB_DOCKER_PORTS"] = docker_ports(mappings)
    assert "WARNING" not in run_kind_up(env).stdout


def test_kind_up_warns_on_a_cluster_without_the_minio_port(stubs):
    """Stands in for a cluster made before MinIO's mapping (KIND fixes port mappings when it
    makes a cluster): kind-up.sh says the player cannot fetch segments until the cluster
    is recreated; a cluster with every loopback mapping of kind-config.yaml gets no
    warning."""
    tmp_path, env = stubs
    env["STUB_CLUSTERS"] = "media-analyzer"
    env["STUB_DOCKER_PORTS"] = "30788/tcp=127.0.0.1:8788"  # what the older kind-config made
    done = run_kind_up(env)
    assert done.returncode == 0 and "WARNING" in done.stdout, done.stdout
    api = env_of(only_container(named(documents(), "Service", "api")))
    assert warned(done.stdout) == [api["MA_S3_PUBLIC_URL"].removeprefix("http://")]
    env["STUB_DOCKER_PORTS"] = docker_ports(loopback_mappings(kind_config()))
    assert "WARNING" not in run_kind_up(env).stdout


# What makes a Dockerfile the CUDA build: an NVIDIA CUDA base, or torch from a CUDA index.
CUDA_BUILD = re.compile(r"^FROM\s+nvidia/cuda|download\.pytorch\.org/whl/cu\d+|\+cu\d+", re.M)


def gpu_problems(docs: list[dict]) -> list[str]:
    """A container that asks for a GPU must run an image built from a CUDA Dockerfile."""
    problems = []
    for doc, pod in pods(docs):
        for c in pod["containers"]:
            if "nvidia.com/gpu" in c.get("resources", {}).get("limits", {}):
                how = render.IMAGES.get(image_name(c["image"]))
                text = (ROOT / how.dockerfile).read_text() if how else ""
                if not CUDA_BUILD.search(text):
                    problems.append(f"{doc['metadata']['name']}: a GPU for {c['image']}")
    return problems


def test_gpu_rendering_uses_the_cuda_image():
    """Stands in for the model service on a GPU node: `--gpu` asks for one nvidia.com/gpu
    for the CUDA build (gpu_service/Dockerfile), never for the CPU image; without --gpu
    nothing asks for a GPU."""
    gpu_docs = documents(render.render(gpu=True))
    assert gpu_problems(gpu_docs) == []
    gpu = only_container(named(gpu_docs, "Service", "gpu"))
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == "1"
    cpu = only_container(named(documents(), "Service", "gpu"))
    assert "nvidia.com/gpu" not in cpu["resources"]["limits"]


def test_gpu_check_rejects_a_gpu_for_the_cpu_image():
    docs = documents()
    gpu = only_container(named(docs, "Service", "gpu"))
    gpu["resources"]["limits"]["nvidia.com/gpu"] = "1"
    assert gpu_problems(docs) == [f"gpu: a GPU for {gpu['image']}"]


def test_kind_up_gpu_builds_the_cuda_image_or_refuses(stubs):
    """kind-up.sh --gpu refuses (before building anything) on a cluster with no GPU node,
    and otherwise builds and applies the CUDA image."""
    tmp_path, env = stubs
    done = run_kind_up(env, "--gpu")
    assert done.returncode == 2 and "nvidia.com/gpu" in done.stdout
    assert not [c for c in calls(tmp_path) if c.startswith("docker build")]
    env["STUB_GPUS"] = "1"
    done = run_kind_up(env, "--gpu")
    assert done.returncode == 0, done.stdout + done.stderr
    ref = next(r for r, how in render.build_list(render.REGISTRY, "dev", True) if "gpu" in r)
    assert f"docker build -f gpu_service/Dockerfile -t {ref} ." in calls(tmp_path)
    assert only_container(named(applied(tmp_path), "Service", "gpu"))["image"] == ref


# --- item 15, run for real: the emulator's command as the manifest runs it ----------------------
from local.runner import free_port  # noqa: E402  (outside the ephemeral range)


@pytest.fixture
def volumes():
    """A folder the emulator's uid can reach (pytest's tmp_path is root's, mode 0700)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ma-emulator-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def start_emulator(
    tmp_path: Path, volumes: Path, env: dict[str, str], port: int
) -> subprocess.Popen:
    """The firestore container's command with its env, as its uid, on 127.0.0.1: each
    volume the manifest mounts is a folder of tmp_path owned by that uid, as the kubelet's
    emptyDir is; the rest of the file system is not the uid's to write (as the read-only
    root)."""
    import shutil

    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv or not shutil.which("gcloud"):
        pytest.skip("needs root (to run as the manifest's uid), setpriv and gcloud")
    doc = named(documents(), "Deployment", "firestore")
    c = only_container(doc)
    pod = doc["spec"]["template"]["spec"]
    uid = {**pod.get("securityContext", {}), **c["securityContext"]}["runAsUser"]
    relocated = {}
    for mount in c["volumeMounts"]:
        folder = volumes / mount["name"]
        folder.mkdir()
        os.chown(folder, uid, uid)
        relocated[mount["mountPath"]] = str(folder)
    values = {}
    for name, value in env.items():
        for path, folder in relocated.items():
            value = value.replace(path, folder, 1) if value.startswith(path) else value
        values[name] = value
    args = [a.replace("0.0.0.0:8080", f"127.0.0.1:{port}") for a in c["args"]]
    cmd = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *args]
    # HOME=/ is what the kubelet sets for a uid with no passwd entry, unless the pod sets it.
    clean = {"PATH": "/usr/bin:/bin", "HOME": "/", "TMPDIR": relocated["/tmp"], **values}
    log = (tmp_path / "emulator.log").open("w")
    return subprocess.Popen(
        cmd, env=clean, cwd="/", stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # gcloud and the Java emulator it started
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


UNWRITABLE_CONFIG = "configuration directory may not be writable"


def test_firestore_emulator_starts_as_its_uid_with_the_rendered_env(tmp_path, volumes):
    """Runs the emulator Deployment's command (gcloud 528.0.0, the image's version) with its
    rendered env as its uid: gcloud writes its configuration and logs under the mounted
    home and the emulator answers. Stands in for the pod on a read-only root."""
    import time
    import urllib.request

    env = {
        k: v
        for k, v in env_of(only_container(named(documents(), "Deployment", "firestore"))).items()
    }
    port = free_port()
    process = start_emulator(tmp_path, volumes, env, port)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "emulator.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "emulator.log").read_text()
                time.sleep(0.5)
    finally:
        stop(process)
    log = (tmp_path / "emulator.log").read_text()
    assert UNWRITABLE_CONFIG not in log, log
    assert list((volumes / "home").glob(".config/gcloud/logs/*/*.log"))


def test_emulator_run_shows_an_unwritable_home(tmp_path, volumes):
    """HOME=/ as before: gcloud 528.0.0 here cannot write its configuration (it warns and
    goes on; the check reads that warning rather than wait for the emulator)."""
    import time

    process = start_emulator(tmp_path, volumes, {"HOME": "/"}, free_port())
    try:
        deadline = time.monotonic() + 60
        while UNWRITABLE_CONFIG not in (tmp_path / "emulator.log").read_text():
            assert (
                process.poll() is None
                or UNWRITABLE_CONFIG in (tmp_path / "emulator.log").read_text()
            )
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        stop(process)


def test_the_browser_reachable_emulator_gets_the_production_rules():
    """Issue 15, item 2 on KIND: the emulator is published to the host's browser on a
    node port, and an emulator without rules serves streams/{id}/private/* (key hash,
    publisher address) to any page. The firestore-init Job loads firestore.rules with
    the command tested against a real emulator in tests/integration/test_firestore_rules
    (test_a_published_emulator_opens_results_but_never_secrets), as the API's user."""
    job = named(documents(), "Job", "firestore-init")
    container = only_container(job)
    assert container["command"] + container["args"] == [
        "python",
        "-m",
        "mediacore.firestore_access",
        "/app/firestore.rules",
    ]
    assert container["image"] == render.images(render.REGISTRY, "dev")["functions"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["FIRESTORE_EMULATOR_HOST"] == render.COMMON_ENV["FIRESTORE_EMULATOR_HOST"]
    assert env["MA_API_PUBLIC_READ"] == render.API_ENV["MA_API_PUBLIC_READ"]
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == render.uid_of(
        container["image"]
    )
