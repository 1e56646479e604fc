#!/usr/bin/env bash
# Create the KIND cluster (or bring one made earlier up to date): Knative Serving with
# Kourier, the images built and loaded as kind.local/..., the Secret, the manifests.
# Needs docker, kind, kubectl and the network (Knative's release manifests, base images).
# Used by `make kind-up`; run again at will: it adds what is missing and keeps secrets.
#   knative/kind-up.sh [--gpu]   --gpu: the CUDA model service on one nvidia.com/gpu
# Knative Eventing is not installed: MinIO's webhook posts S3 JSON (not CloudEvents)
# straight to analyze-webhook, and MinIO's queue on a volume keeps what a Broker's
# in-memory channel would lose (docs/deploy-kind.md).
set -euo pipefail
cd "$(dirname "$0")/.."
KNATIVE_VERSION=${KNATIVE_VERSION:-knative-v1.20.0}
TAG=${TAG:-dev}
PYTHON=${PYTHON:-.venv/bin/python}  # render.py needs pyyaml (`make setup`)
gpu=()
case "${1:-}" in
  "") ;;
  --gpu) gpu=(--gpu) ;;
  *) echo "usage: kind-up.sh [--gpu]"; exit 2 ;;
esac

for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "kind-up: $tool is not installed (docs/deploy-kind.md)"; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "kind-up: no Docker engine answers"; exit 2; }

# Port mappings are fixed when a cluster is made: an older one may lack the browser's.
needs_mapping() {  # NODE_PORT HOST_ADDRESS WHAT WHAT-FAILS (kind-config.yaml, render.py)
  docker port media-analyzer-control-plane "$1/tcp" 2>/dev/null | grep -qF "$2" && return
  echo "kind-up: WARNING: this cluster predates the $2 mapping ($3, knative/kind-config.yaml):"
  echo "         $4 until it is recreated: make kind-down && make kind-up"
}

if kind get clusters | grep -qx media-analyzer; then
  needs_mapping 30788 127.0.0.1:8788 "Firestore emulator" "the dashboard shows no live data"
  needs_mapping 30900 127.0.0.1:9100 "MinIO" "videos do not play in the dashboard"
else
  kind create cluster --config knative/kind-config.yaml
fi

if [ ${#gpu[@]} -gt 0 ]; then
  # The NVIDIA device plugin advertises nvidia.com/gpu; without it the pod never schedules.
  gpus=$(kubectl get nodes -o 'jsonpath={.items[*].status.allocatable.nvidia\.com/gpu}')
  if [ -z "${gpus//[ 0]/}" ]; then
    echo "kind-up: --gpu, but no node offers nvidia.com/gpu (docs/deploy-kind.md, GPU)"
    exit 2
  fi
fi

serving=https://github.com/knative/serving/releases/download/$KNATIVE_VERSION
kourier=https://github.com/knative-extensions/net-kourier/releases/download/$KNATIVE_VERSION
kubectl apply -f "$serving/serving-crds.yaml" -f "$serving/serving-core.yaml"
kubectl apply -f "$kourier/kourier.yaml"
kubectl patch configmap/config-network -n knative-serving --type merge \
  -p '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}'
kubectl patch configmap/config-domain -n knative-serving --type merge \
  -p '{"data":{"127.0.0.1.sslip.io":""}}'
kubectl patch service/kourier -n kourier-system --type merge \
  -p '{"spec":{"type":"NodePort","ports":[{"name":"http2","port":80,"nodePort":31080,"targetPort":8080}]}}'
kubectl wait --for=condition=Available deployment --all -n knative-serving --timeout=300s
kubectl wait --for=condition=Available deployment --all -n kourier-system --timeout=300s

# kind.local/...: Knative does not look these tags up in a registry (they are in none).
"$PYTHON" knative/render.py --tag "$TAG" "${gpu[@]}" --images |
  while read -r ref dockerfile context; do
    docker build -f "$dockerfile" -t "$ref" "$context"
    kind load docker-image --name media-analyzer "$ref"
  done

kubectl get namespace media-analyzer >/dev/null 2>&1 || kubectl create namespace media-analyzer
"$PYTHON" knative/ensure_secret.py

manifests=$(mktemp -d)
trap 'rm -rf "$manifests"' EXIT
"$PYTHON" knative/render.py --tag "$TAG" "${gpu[@]}" --out "$manifests" >/dev/null
# A Job's template cannot change: run the (idempotent) set-ups afresh each time: the
# bucket and its events (minio-init), the emulator's security rules (firestore-init).
kubectl delete job minio-init firestore-init -n media-analyzer --ignore-not-found
kubectl apply -k "$manifests"
for setup in minio-init firestore-init; do
  kubectl wait --for=condition=Complete "job/$setup" -n media-analyzer --timeout=300s || {
    echo "kind-up: the set-up job/$setup did not complete:"
    kubectl logs "job/$setup" -n media-analyzer --tail=20
    exit 1
  }
done
kubectl wait --for=condition=Available deployment --all -n media-analyzer --timeout=300s
kubectl wait --for=condition=Ready ksvc --all -n media-analyzer --timeout=600s
echo "Dashboard: http://frontend.media-analyzer.127.0.0.1.sslip.io"
echo "API:       http://api.media-analyzer.127.0.0.1.sslip.io"
echo "RTMP:      rtmp://127.0.0.1:1935/live   (create a stream via the API for its key)"
echo "Firestore: 127.0.0.1:8788 (emulator, for the dashboard in this host's browser)"
echo "MinIO:     http://127.0.0.1:9100 (video segments, for the dashboard's player)"
echo "API key:   kubectl get secret media-analyzer -n media-analyzer -o jsonpath='{.data.MA_API_KEYS}' | base64 -d"
