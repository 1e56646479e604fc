"""Render the KIND + Knative manifests from one table: images, env, ports and resources live
here only. Output: knative/manifests/*.yaml (checked in; `make knative` rewrites them, and a
test fails when they differ from a fresh render).

    python knative/render.py [--out knative/manifests] [--registry R] [--tag T]

Event path (documented in docs/deploy-kind.md): MinIO's webhook posts straight to the
`analyze-webhook` Knative Service. MinIO sends plain S3-event JSON, not CloudEvents, so a
Broker would need an adapter in between; going direct keeps MinIO's own persistent queue
(`queue_dir`) and retries, and the function answers 503 to have an event sent again.
Backfills run inline in the API (no Pub/Sub in this runtime).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
NAMESPACE = "media-analyzer"
PROJECT = "media-analyzer-local"
BUCKET = "media"

# Environment shared by everything that touches the bucket or Firestore.
COMMON_ENV = {
    "GOOGLE_CLOUD_PROJECT": PROJECT,
    "FIRESTORE_EMULATOR_HOST": "firestore.media-analyzer.svc.cluster.local:8080",
    "MA_BUCKET_URL": f"s3://{BUCKET}",
    "MA_S3_ENDPOINT_URL": "http://minio.media-analyzer.svc.cluster.local:9000",
}
FUNCTIONS_ENV = {
    **COMMON_ENV,
    "MA_ANALYZER_BACKEND": "local",
    "MA_GPU_SERVICE_URL": "http://gpu.media-analyzer.svc.cluster.local",
    "MA_BACKFILL_TOPIC": "",
    "MA_BRANDS": "[]",
    "MA_METRICS_PORT": "9464",
    "MA_CORS_ORIGINS": '["http://frontend.media-analyzer.127.0.0.1.sslip.io"]',
}
INGEST_ENV = {
    **COMMON_ENV,
    "MA_PLAYBACK_BASE_URL": "http://api.media-analyzer.127.0.0.1.sslip.io",
    "MA_RTMP_PUBLIC_URL": "rtmp://127.0.0.1:1935/live",
    "MA_INGEST_HOOKS_URL": "http://127.0.0.1:8086",
}
GPU_ENV = {**COMMON_ENV, "MA_DETECTOR": "auto"}
# Secrets come from the `media-analyzer` Secret (created by knative/kind-up.sh).
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


def images(registry: str, tag: str) -> dict[str, str]:
    return {name: f"{registry}/{name}:{tag}" for name in ("functions", "gpu", "ingest", "frontend")}


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
            # MinIO sends the same value (the `minio` Secret, made by kind-up.sh).
            own_secrets=("MA_WEBHOOK_TOKEN",),
            # Above MA_ANALYSIS_DEADLINE_S (50 s): the function answers before it is cut.
            timeout_s=60,
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
            extra_env={"FUNCTION_TARGET": "api", "FUNCTION_SIGNATURE_TYPE": "http"},
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
            extra_env={
                "API_BASE": "http://api.media-analyzer.127.0.0.1.sslip.io",
                "FIREBASE_PROJECT_ID": PROJECT,
                "SIGN_IN": "none",
            },
        ),
    ]


def scrape_annotations(port: int | None) -> dict[str, str]:
    if not port:
        return {}
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port)}


def security_context() -> dict:
    return {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def env_list(env: dict[str, str], secrets: bool, own_secrets: tuple[str, ...] = ()) -> list[dict]:
    out = [{"name": k, "value": v} for k, v in sorted(env.items())]
    keys = [*SECRET_ENV, *own_secrets] if secrets else list(own_secrets)
    out += [
        {"name": k, "valueFrom": {"secretKeyRef": {"name": "media-analyzer", "key": k}}}
        for k in keys
    ]
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
        "securityContext": security_context(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
        + [{"name": f"rw{i}", "mountPath": path} for i, path in enumerate(svc.writable)],
    }
    if svc.probe_path:
        probe = {"httpGet": {"path": svc.probe_path}, "periodSeconds": 10}
        container["readinessProbe"] = probe
        container["livenessProbe"] = {**probe, "initialDelaySeconds": 30, "failureThreshold": 6}
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": svc.name, "namespace": NAMESPACE},
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


def deployment(
    name: str, containers: list[dict], volumes: list[dict], labels=None, scrape_port=None
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
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": scrape_annotations(scrape_port)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001},
                    "containers": containers,
                    "volumes": volumes,
                },
            },
        },
    }


def container(name, image, args, port, env, cpu, memory, probe, secrets=True, mounts=()):
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        **({"args": args} if args else {}),
        "ports": [{"containerPort": port}],
        "env": env_list(env, secrets),
        "resources": {
            "requests": {"cpu": cpu, "memory": memory},
            "limits": {"cpu": cpu, "memory": memory},
        },
        "securityContext": security_context(),
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
    """Only the listed ports reach ``app``: from this namespace's pods, or (RTMP) anyone."""
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


def infrastructure(image: dict[str, str]) -> list[dict]:
    emulator = "gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0-emulators"
    data = {"name": "data", "mountPath": "/data"}
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
                mounts=[data],
            ),
        ],
        [{"name": "tmp", "emptyDir": {}}, {"name": "data", "emptyDir": {}}],
        scrape_port=8086,
    )
    minio = deployment(
        "minio",
        [
            {
                **container(
                    "minio",
                    "minio/minio:RELEASE.2025-09-07T16-13-09Z",
                    ["server", "/data"],
                    9000,
                    {
                        "MINIO_NOTIFY_WEBHOOK_ENABLE_ANALYZE": "on",
                        "MINIO_NOTIFY_WEBHOOK_ENDPOINT_ANALYZE": "http://analyze-webhook.media-analyzer.svc.cluster.local/",
                        "MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_ANALYZE": "/data/.events",
                    },
                    "500m",
                    "512Mi",
                    tcp_probe(9000),
                    secrets=False,
                    mounts=[data],
                ),
                "envFrom": [{"secretRef": {"name": "minio"}}],
            }
        ],
        [{"name": "tmp", "emptyDir": {}}, {"name": "data", "emptyDir": {}}],
    )
    firestore = deployment(
        "firestore",
        [
            container(
                "firestore",
                emulator,
                ["gcloud", "emulators", "firestore", "start", "--host-port=0.0.0.0:8080"],
                8080,
                {},
                "500m",
                "1Gi",
                tcp_probe(8080),
                secrets=False,
                mounts=[{"name": "home", "mountPath": "/home/emulator"}],
            )
        ],
        [{"name": "tmp", "emptyDir": {}}, {"name": "home", "emptyDir": {}}],
    )
    minio_init = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "minio-init",
            "namespace": NAMESPACE,
            "annotations": skip_annotations(),
        },
        "spec": {
            "backoffLimit": 20,  # until MinIO answers
            "template": {
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [
                        {
                            "name": "mc",
                            "image": "minio/mc:RELEASE.2025-08-13T08-35-41Z",
                            "envFrom": [{"secretRef": {"name": "minio"}}],
                            "env": [{"name": "HOME", "value": "/tmp"}],
                            "command": ["sh", "-c"],
                            # A private bucket; only finished segments raise events.
                            "args": [
                                "mc alias set local http://minio:9000 $MINIO_ROOT_USER "
                                f"$MINIO_ROOT_PASSWORD && mc mb --ignore-existing local/{BUCKET} "
                                f"&& mc anonymous set none local/{BUCKET} && (mc event add "
                                f"local/{BUCKET} arn:minio:sqs::ANALYZE:webhook --event put "
                                "--prefix streams/ --suffix .ts || true)"
                            ],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "64Mi"},
                                "limits": {"cpu": "100m", "memory": "64Mi"},
                            },
                            "securityContext": security_context(),
                            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                        }
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                }
            },
        },
    }
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        network_policy("minio", [9000], same_namespace=True),
        network_policy("firestore", [8080], same_namespace=True),
        network_policy("ingest", [1935], same_namespace=False),
        minio_init,
        ingest,
        service("ingest", [("rtmp", 1935, 1935, 31935)], kind="NodePort"),
        minio,
        service("minio", [("s3", 9000, 9000, None)]),
        firestore,
        service("firestore", [("grpc", 8080, 8080, None)]),
    ]


def render(registry: str, tag: str, gpu: bool = False) -> dict[str, str]:
    image = images(registry, tag)
    documents = {
        "00-infrastructure.yaml": infrastructure(image),
        "10-services.yaml": [kservice(s) for s in kservices(image, gpu)],
    }
    header = "# Generated by knative/render.py -- edit that file, then `make knative`.\n"
    return {
        name: header + yaml.safe_dump_all(docs, sort_keys=True, default_flow_style=False)
        for name, docs in documents.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "manifests")
    parser.add_argument("--registry", default="media-analyzer")
    parser.add_argument("--tag", default="dev")
    parser.add_argument("--gpu", action="store_true", help="give gpu one nvidia.com/gpu")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in render(args.registry, args.tag, args.gpu).items():
        (args.out / name).write_text(text)
        print(args.out / name)


if __name__ == "__main__":
    main()
