"""Render the KIND + Knative manifests from one table: images, env, ports and resources live
here only. Output: knative/manifests/*.yaml (checked in; `make knative` rewrites them, and a
test fails when they differ from a fresh render).

    python knative/render.py [--out knative/manifests] [--registry R] [--tag T] [--gpu]
    python knative/render.py --images [--gpu]   # what kind-up.sh builds: REF DOCKERFILE CONTEXT

Event path (documented in docs/deploy-kind.md): MinIO's webhook posts straight to the
cluster-local `analyze-webhook` Knative Service with a shared token. MinIO sends plain
S3-event JSON, not CloudEvents, so a Broker would need an adapter in between and its
default channel (in memory) would drop what MinIO's persistent queue (`queue_dir`, on a
PersistentVolumeClaim here) keeps; so Knative Eventing is not installed. The function
answers 503 to have an event sent again. Backfills run inline in the API (no Pub/Sub in
this runtime).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
NAMESPACE = "media-analyzer"
PROJECT = "media-analyzer-local"
BUCKET = "media"
# Knative resolves image tags to digests through the registry, except for these
# (config-deployment `registries-skipping-tag-resolving`, knative-v1.20.0 default). Images
# loaded with `kind load` exist in no registry, so they must be named kind.local/...
SKIPS_TAG_RESOLUTION = ("kind.local", "ko.local", "dev.local")
REGISTRY = "kind.local/media-analyzer"
# The browser reaches the Firestore emulator here (kind-config.yaml maps it from NodePort
# FIRESTORE_NODE_PORT); not the embedded stack's 8780, so both can run at once.
FIRESTORE_BROWSER = "127.0.0.1:8788"
FIRESTORE_NODE_PORT = 30788
# The same for MinIO's S3 API: the dashboard's player fetches segments here, with URLs the
# API signs for this host (MA_S3_PUBLIC_URL). Not compose's 9000, so both can run at once.
MINIO_BROWSER = "127.0.0.1:9100"
MINIO_NODE_PORT = 30900
DASHBOARD_ORIGIN = "http://frontend.media-analyzer.127.0.0.1.sslip.io"
# The one Secret kind-up.sh makes (knative/ensure_secret.py); MinIO reads its root user
# and the webhook token from it too, so each value exists once.
SECRET = "media-analyzer"


@dataclass(frozen=True)
class Image:
    dockerfile: str  # from the repository root
    context: str
    # The Dockerfile's USER as a number: kubelet enforces runAsNonRoot only against a
    # numeric user, and refuses to start an image whose USER is a name (`fn`, `model`).
    uid: int


IMAGES = {
    "functions": Image("functions/Dockerfile", ".", 10001),
    "ingest": Image("ingest/Dockerfile", ".", 10001),
    "gpu": Image("gpu_service/Dockerfile.cpu", ".", 10001),
    "gpu-cuda": Image("gpu_service/Dockerfile", ".", 10001),  # --gpu
    "frontend": Image("frontend/Dockerfile", "frontend", 101),  # nginx-unprivileged
}
# Third-party images run as this uid (none needs a user of its own; HOME is set).
THIRD_PARTY_UID = 10001

# Environment shared by everything that touches the bucket or Firestore.
COMMON_ENV = {
    "GOOGLE_CLOUD_PROJECT": PROJECT,
    "FIRESTORE_EMULATOR_HOST": "firestore.media-analyzer.svc.cluster.local:8080",
    "MA_BUCKET_URL": f"s3://{BUCKET}",
    "MA_S3_ENDPOINT_URL": "http://minio.media-analyzer.svc.cluster.local:9000",
    # MinIO as the host's browser reaches it: presigned URLs are signed for this host.
    "MA_S3_PUBLIC_URL": f"http://{MINIO_BROWSER}",
}
FUNCTIONS_ENV = {
    **COMMON_ENV,
    "MA_ANALYZER_BACKEND": "local",
    "MA_GPU_SERVICE_URL": "http://gpu.media-analyzer.svc.cluster.local",
    "MA_BACKFILL_TOPIC": "",
    "MA_BRANDS": "[]",
    "MA_METRICS_PORT": "9464",
    "MA_CORS_ORIGINS": json.dumps([DASHBOARD_ORIGIN]),
}
# As in compose: no development token here (the API honours it only with loopback
# emulators), so the dashboard watches through public reads and changes go through the
# API with a key. Kourier listens on the host's 127.0.0.1 only and routes by host name.
API_ENV = {"MA_API_PUBLIC_READ": "true"}
INGEST_ENV = {
    **COMMON_ENV,
    "MA_PLAYBACK_BASE_URL": "http://api.media-analyzer.127.0.0.1.sslip.io",
    "MA_RTMP_PUBLIC_URL": "rtmp://127.0.0.1:1935/live",
    "MA_INGEST_HOOKS_URL": "http://127.0.0.1:8086",
}
GPU_ENV = {**COMMON_ENV, "MA_DETECTOR": "auto"}
# Secrets come from the `media-analyzer` Secret (knative/ensure_secret.py, run by kind-up.sh).
SECRET_ENV = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MA_API_KEYS"]


@dataclass
class KService:
    name: str
    image: str
    port: int
    env: dict[str, str]
    cpu: str
    memory: str
    concurrency: int
    min_scale: int
    max_scale: int
    probe_path: str | None = None
    metrics_port: int | None = None  # Prometheus scrapes this port of the pods
    gpu: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    writable: tuple[str, ...] = ()  # folders besides /tmp the process writes (root fs is read-only)
    own_secrets: tuple[str, ...] = ()  # keys of the Secret only this service gets
    timeout_s: int = 300  # request timeout
    uid: int = 10001
    # Reached only from inside the cluster (no route on the external Kourier gateway).
    cluster_local: bool = False


def images(registry: str, tag: str, gpu: bool = False) -> dict[str, str]:
    """Role -> image reference; the model service is the CUDA build when ``gpu``."""
    names = {"functions": "functions", "ingest": "ingest", "frontend": "frontend"}
    names["gpu"] = "gpu-cuda" if gpu else "gpu"
    return {role: f"{registry}/{name}:{tag}" for role, name in names.items()}


def build_list(registry: str, tag: str, gpu: bool) -> list[tuple[str, Image]]:
    """(reference, how to build it) for each image the manifests use."""
    return [
        (ref, IMAGES[ref.rsplit("/", 1)[1].split(":")[0]])
        for ref in images(registry, tag, gpu).values()
    ]


def uid_of(ref: str) -> int:
    return IMAGES[ref.rsplit("/", 1)[1].split(":")[0]].uid


def kservices(image: dict[str, str], gpu: bool) -> list[KService]:
    fn = image["functions"]
    return [
        KService(
            "analyze-webhook",
            fn,
            8080,
            FUNCTIONS_ENV,
            "1",
            "1Gi",
            4,
            0,
            20,
            metrics_port=9464,
            extra_env={"FUNCTION_TARGET": "analyze_webhook", "FUNCTION_SIGNATURE_TYPE": "http"},
            # MinIO sends the same value (its env reads this key of the same Secret).
            own_secrets=("MA_WEBHOOK_TOKEN",),
            # Above MA_ANALYSIS_DEADLINE_S (50 s): the function answers before it is cut.
            timeout_s=60,
            uid=uid_of(fn),
            cluster_local=True,  # only MinIO calls it
        ),
        KService(
            "api",
            fn,
            8080,
            FUNCTIONS_ENV,
            "500m",
            "512Mi",
            40,
            0,
            5,
            probe_path="/healthz",
            extra_env={"FUNCTION_TARGET": "api", "FUNCTION_SIGNATURE_TYPE": "http", **API_ENV},
            uid=uid_of(fn),
        ),
        # min-scale 1: a cold start would load the models (tens of seconds) in the hot path.
        KService(
            "gpu",
            image["gpu"],
            8090,
            GPU_ENV,
            "2",
            "4Gi",
            8,
            1,
            4,
            probe_path="/readyz",
            metrics_port=8090,
            gpu=gpu,
            uid=uid_of(image["gpu"]),
            cluster_local=True,  # no authentication of its own: only the functions call it
        ),
        KService(
            "frontend",
            image["frontend"],
            8080,
            {},
            "100m",
            "64Mi",
            200,
            0,
            2,
            probe_path="/healthz",
            writable=("/usr/share/nginx/config", "/var/cache/nginx"),
            # frontend/docker/config.json.template; the browser runs on the host.
            extra_env={
                "API_BASE": "http://api.media-analyzer.127.0.0.1.sslip.io",
                "FIREBASE_PROJECT_ID": PROJECT,
                "FIRESTORE_EMULATOR": FIRESTORE_BROWSER,
                # Reads what firestore.rules open to the public (the firestore-init Job).
                "SIGN_IN": "none",
            },
            uid=uid_of(image["frontend"]),
        ),
    ]


def scrape_annotations(port: int | None) -> dict[str, str]:
    if not port:
        return {}
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port)}


def security_context(uid: int) -> dict:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def env_list(env: dict[str, str], secrets: bool, own_secrets: tuple[str, ...] = ()) -> list[dict]:
    out = [{"name": k, "value": v} for k, v in sorted(env.items())]
    keys = [*SECRET_ENV, *own_secrets] if secrets else list(own_secrets)
    out += [{"name": k, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": k}}} for k in keys]
    return out


def kservice(svc: KService) -> dict:
    limits = {"cpu": svc.cpu, "memory": svc.memory}
    if svc.gpu:
        limits["nvidia.com/gpu"] = "1"
    container = {
        "name": svc.name,
        "image": svc.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": svc.port}],
        "env": env_list(
            {**svc.env, **svc.extra_env}, svc.name != "frontend", own_secrets=svc.own_secrets
        ),
        "resources": {"requests": dict(limits), "limits": limits},
        "securityContext": security_context(svc.uid),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
        + [{"name": f"rw{i}", "mountPath": path} for i, path in enumerate(svc.writable)],
    }
    if svc.probe_path:
        probe = {"httpGet": {"path": svc.probe_path}, "periodSeconds": 10}
        container["readinessProbe"] = probe
        container["livenessProbe"] = {**probe, "initialDelaySeconds": 30, "failureThreshold": 6}
    metadata = {"name": svc.name, "namespace": NAMESPACE}
    if svc.cluster_local:
        metadata["labels"] = {"networking.knative.dev/visibility": "cluster-local"}
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {
                        "autoscaling.knative.dev/target": str(svc.concurrency),
                        "autoscaling.knative.dev/min-scale": str(svc.min_scale),
                        "autoscaling.knative.dev/max-scale": str(svc.max_scale),
                        **scrape_annotations(svc.metrics_port),
                    }
                },
                "spec": {
                    "containerConcurrency": svc.concurrency * 2,
                    "timeoutSeconds": svc.timeout_s,
                    "automountServiceAccountToken": False,
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}]
                    + [{"name": f"rw{i}", "emptyDir": {}} for i in range(len(svc.writable))],
                },
            }
        },
    }


# Reviewed checkov exceptions for the workloads below, each with its reason.
CHECKOV_SKIPS = {
    "CKV_K8S_43": "images are built here and loaded with `kind load`; no registry digest "
    "exists before the build, and third-party images are pinned to release tags",
    "CKV_K8S_15": "images loaded into KIND are not in any registry: pulling Always would fail",
    "CKV_K8S_35": "settings are read from the environment (12-factor, as Cloud Run secret "
    "env vars); the Secret is namespace-scoped and never logged",
}


def skip_annotations() -> dict[str, str]:
    return {
        f"checkov.io/skip{i}": f"{check}={reason}"
        for i, (check, reason) in enumerate(sorted(CHECKOV_SKIPS.items()), start=1)
    }


def job(
    name: str,
    container_name: str,
    image: str,
    uid: int,
    env: list[dict],
    command: list[str],
    memory: str,
) -> dict:
    """A set-up Job that kind-up.sh waits for: retried until its service answers, and
    every step must succeed."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NAMESPACE, "annotations": skip_annotations()},
        "spec": {
            "backoffLimit": 20,  # until the service it sets up answers
            "template": {
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": uid},
                    "containers": [
                        {
                            "name": container_name,
                            "image": image,
                            "imagePullPolicy": "IfNotPresent",
                            "env": env,
                            "command": command[:-1],
                            "args": command[-1:],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": memory},
                                "limits": {"cpu": "100m", "memory": memory},
                            },
                            "securityContext": security_context(uid),
                            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                        }
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                }
            },
        },
    }


def deployment(
    name: str,
    containers: list[dict],
    volumes: list[dict],
    labels=None,
    scrape_port=None,
    uid=THIRD_PARTY_UID,
    recreate=False,
) -> dict:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": labels,
            "annotations": skip_annotations(),
        },
        "spec": {
            "replicas": 1,
            # A ReadWriteOnce volume: the old pod lets go before the new one starts.
            **({"strategy": {"type": "Recreate"}} if recreate else {}),
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": scrape_annotations(scrape_port)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": uid, "fsGroup": uid},
                    "containers": containers,
                    "volumes": volumes,
                },
            },
        },
    }


def container(
    name, image, args, port, env, cpu, memory, probe, uid, secrets=True, mounts=(), secret_env=()
):
    """``secret_env``: (variable, key of the Secret) pairs, for images with names of their own."""
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        **({"args": args} if args else {}),
        "ports": [{"containerPort": port}],
        "env": env_list(env, secrets)
        + [
            {"name": var, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": key}}}
            for var, key in secret_env
        ],
        "resources": {
            "requests": {"cpu": cpu, "memory": memory},
            "limits": {"cpu": cpu, "memory": memory},
        },
        "securityContext": security_context(uid),
        "readinessProbe": probe,
        "livenessProbe": {**probe, "initialDelaySeconds": 20},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, *mounts],
    }


def service(name: str, ports: list[tuple[str, int, int, int | None]], kind="ClusterIP") -> dict:
    spec_ports = []
    for port_name, port, target, node_port in ports:
        entry = {"name": port_name, "port": port, "targetPort": target}
        if node_port:
            entry["nodePort"] = node_port
        spec_ports.append(entry)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"type": kind, "selector": {"app": name}, "ports": spec_ports},
    }


def network_policy(app: str, ports: list[int], same_namespace: bool) -> dict:
    """Only the listed ports reach ``app``: from this namespace's pods, or (RTMP, the
    emulator and MinIO the browser reads) anyone who reaches the node port."""
    rule: dict = {"ports": [{"protocol": "TCP", "port": p} for p in ports]}
    if same_namespace:
        rule["from"] = [{"podSelector": {}}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": app, "namespace": NAMESPACE},
        "spec": {
            "podSelector": {"matchLabels": {"app": app}},
            "policyTypes": ["Ingress"],
            "ingress": [rule],
        },
    }


def tcp_probe(port: int) -> dict:
    return {"tcpSocket": {"port": port}, "periodSeconds": 10}


EVENT_ARN = "arn:minio:sqs::ANALYZE:webhook"
# The bucket, private, and its event rule: only finished segments raise events. Every
# step must succeed (the Job fails, and kind-up.sh with it); re-running is harmless
# (--ignore-existing on both: mc's AddNotificationConfig skips an identical rule).
MINIO_INIT = " && ".join(
    [
        'mc alias set local http://minio:9000 "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"',
        f"mc mb --ignore-existing local/{BUCKET}",
        f"mc anonymous set none local/{BUCKET}",
        f"mc event add --ignore-existing local/{BUCKET} {EVENT_ARN} --event put "
        "--prefix streams/ --suffix .ts",
        f"mc event list local/{BUCKET} {EVENT_ARN}",
    ]
)


def infrastructure(image: dict[str, str]) -> list[dict]:
    emulator = "gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0-emulators"
    data = {"name": "data", "mountPath": "/data"}
    ingest_uid = uid_of(image["ingest"])
    ingest = deployment(
        "ingest",
        [
            container(
                "hooks",
                image["ingest"],
                ["python", "-m", "ingest", "serve"],
                8086,
                INGEST_ENV,
                "250m",
                "256Mi",
                tcp_probe(8086),
                ingest_uid,
                mounts=[data],
            ),
            container(
                "rtmp",
                image["ingest"],
                ["python", "-m", "ingest", "nginx"],
                1935,
                INGEST_ENV,
                "500m",
                "256Mi",
                tcp_probe(1935),
                ingest_uid,
                mounts=[data],
            ),
        ],
        [{"name": "tmp", "emptyDir": {}}, {"name": "data", "emptyDir": {}}],
        scrape_port=8086,
        uid=ingest_uid,
    )
    # The bucket and MinIO's event queue survive a restart of the pod (KIND's default
    # StorageClass, local-path, keeps it on the node).
    minio_data = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "minio-data", "namespace": NAMESPACE},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
    }
    minio = deployment(
        "minio",
        [
            container(
                "minio",
                "minio/minio:RELEASE.2025-09-07T16-13-09Z",
                ["server", "/data"],
                9000,
                {
                    "MINIO_NOTIFY_WEBHOOK_ENABLE_ANALYZE": "on",
                    # The cluster-local address (analyze-webhook has no external route).
                    "MINIO_NOTIFY_WEBHOOK_ENDPOINT_ANALYZE": "http://analyze-webhook.media-analyzer.svc.cluster.local/",
                    # Events wait here while the function is down: on the volume.
                    "MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_ANALYZE": "/data/.events",
                    # The player (hls.js) fetches segments cross-origin; MinIO's default
                    # is any origin ("*"), narrowed to the dashboard's.
                    "MINIO_API_CORS_ALLOW_ORIGIN": DASHBOARD_ORIGIN,
                },
                "500m",
                "512Mi",
                tcp_probe(9000),
                THIRD_PARTY_UID,
                secrets=False,
                mounts=[data],
                secret_env=[
                    ("MINIO_ROOT_USER", "AWS_ACCESS_KEY_ID"),
                    ("MINIO_ROOT_PASSWORD", "AWS_SECRET_ACCESS_KEY"),
                    # Sent as "Authorization: Bearer ..."; analyze-webhook checks it.
                    ("MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ANALYZE", "MA_WEBHOOK_TOKEN"),
                ],
            )
        ],
        [
            {"name": "tmp", "emptyDir": {}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "minio-data"}},
        ],
        recreate=True,
    )
    home = "/home/emulator"
    firestore = deployment(
        "firestore",
        [
            container(
                "firestore",
                emulator,
                ["gcloud", "emulators", "firestore", "start", "--host-port=0.0.0.0:8080"],
                8080,
                # The uid has no passwd entry (HOME would be /, read-only): gcloud writes
                # its configuration and the emulator's files under a writable home.
                {"HOME": home, "CLOUDSDK_CONFIG": f"{home}/.config/gcloud"},
                "500m",
                "1Gi",
                tcp_probe(8080),
                THIRD_PARTY_UID,
                secrets=False,
                mounts=[{"name": "home", "mountPath": home}],
            )
        ],
        [{"name": "tmp", "emptyDir": {}}, {"name": "home", "emptyDir": {}}],
    )
    minio_init = job(
        "minio-init",
        "mc",
        "minio/mc:RELEASE.2025-08-13T08-35-41Z",
        THIRD_PARTY_UID,
        [{"name": "HOME", "value": "/tmp"}, *env_list({}, False, own_secrets=SECRET_ENV[:2])],
        ["sh", "-c", MINIO_INIT],
        memory="64Mi",
    )
    # The emulator enforces no rules until given some: without them any page in the
    # host's browser could read streams/{id}/private/* (key hash, publisher address)
    # through the node port. Loads firestore.rules and config/access (public reads).
    firestore_init = job(
        "firestore-init",
        "rules",
        image["functions"],
        uid_of(image["functions"]),
        env_list({**COMMON_ENV, **API_ENV}, secrets=False),
        ["python", "-m", "mediacore.firestore_access", "/app/firestore.rules"],
        memory="256Mi",
    )
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        # The player in the host's browser fetches segments through the node port (every
        # request is signed: the bucket is private).
        network_policy("minio", [9000], same_namespace=False),
        # The dashboard in the host's browser reads the emulator through the node port.
        network_policy("firestore", [8080], same_namespace=False),
        network_policy("ingest", [1935], same_namespace=False),
        minio_init,
        firestore_init,
        ingest,
        service("ingest", [("rtmp", 1935, 1935, 31935)], kind="NodePort"),
        minio_data,
        minio,
        service("minio", [("s3", 9000, 9000, MINIO_NODE_PORT)], kind="NodePort"),
        firestore,
        service("firestore", [("grpc", 8080, 8080, FIRESTORE_NODE_PORT)], kind="NodePort"),
    ]


KUSTOMIZATION = """\
# kubectl apply -k <this folder>   (rendered by knative/render.py; `make knative`)
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - 00-infrastructure.yaml
  - 10-services.yaml
"""


def render(registry: str = REGISTRY, tag: str = "dev", gpu: bool = False) -> dict[str, str]:
    image = images(registry, tag, gpu)
    documents = {
        "00-infrastructure.yaml": infrastructure(image),
        "10-services.yaml": [kservice(s) for s in kservices(image, gpu)],
    }
    header = "# Generated by knative/render.py -- edit that file, then `make knative`.\n"
    files = {
        name: header + yaml.safe_dump_all(docs, sort_keys=True, default_flow_style=False)
        for name, docs in documents.items()
    }
    return {**files, "kustomization.yaml": KUSTOMIZATION}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "manifests")
    parser.add_argument("--registry", default=REGISTRY)
    parser.add_argument("--tag", default="dev")
    parser.add_argument(
        "--gpu", action="store_true", help="the CUDA model service image on one nvidia.com/gpu"
    )
    parser.add_argument(
        "--images", action="store_true", help="print REF DOCKERFILE CONTEXT per image; no files"
    )
    args = parser.parse_args()
    if args.images:
        for ref, how in build_list(args.registry, args.tag, args.gpu):
            print(ref, how.dockerfile, how.context)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in render(args.registry, args.tag, args.gpu).items():
        (args.out / name).write_text(text)
        print(args.out / name)


if __name__ == "__main__":
    main()
