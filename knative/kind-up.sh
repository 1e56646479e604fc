#!/usr/bin/env bash
# Create the KIND cluster, install Knative Serving (+ Kourier) and Eventing, build and load
# the images, create the secrets and apply the rendered manifests. Needs docker, kind,
# kubectl and the network (Knative's release manifests).  Used by `make kind-up`.
set -euo pipefail
cd "$(dirname "$0")/.."
KNATIVE_VERSION=${KNATIVE_VERSION:-knative-v1.20.0}
TAG=${TAG:-dev}

for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "kind-up: $tool is not installed (docs/deploy-kind.md)"; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "kind-up: no Docker engine answers"; exit 2; }

kind get clusters | grep -qx media-analyzer || kind create cluster --config knative/kind-config.yaml

serving=https://github.com/knative/serving/releases/download/$KNATIVE_VERSION
eventing=https://github.com/knative/eventing/releases/download/$KNATIVE_VERSION
kourier=https://github.com/knative-extensions/net-kourier/releases/download/$KNATIVE_VERSION
kubectl apply -f "$serving/serving-crds.yaml" -f "$serving/serving-core.yaml"
kubectl apply -f "$kourier/kourier.yaml"
kubectl patch configmap/config-network -n knative-serving --type merge \
  -p '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}'
kubectl patch configmap/config-domain -n knative-serving --type merge \
  -p '{"data":{"127.0.0.1.sslip.io":""}}'
kubectl patch service/kourier -n kourier-system --type merge \
  -p '{"spec":{"type":"NodePort","ports":[{"name":"http2","port":80,"nodePort":31080,"targetPort":8080}]}}'
kubectl apply -f "$eventing/eventing-crds.yaml" -f "$eventing/eventing-core.yaml"
kubectl wait --for=condition=Available deployment --all -n knative-serving --timeout=300s

for image in functions:functions/Dockerfile ingest:ingest/Dockerfile gpu:gpu_service/Dockerfile.cpu; do
  name=${image%%:*}; file=${image#*:}
  docker build -f "$file" -t "media-analyzer/$name:$TAG" .
  kind load docker-image --name media-analyzer "media-analyzer/$name:$TAG"
done
docker build -t "media-analyzer/frontend:$TAG" frontend
kind load docker-image --name media-analyzer "media-analyzer/frontend:$TAG"

kubectl get namespace media-analyzer >/dev/null 2>&1 || kubectl create namespace media-analyzer
secret() { python3 -c "import secrets; print(secrets.token_urlsafe(24))"; }
if ! kubectl get secret minio -n media-analyzer >/dev/null 2>&1; then
  user=media-analyzer; password=$(secret); webhook=$(secret)  # MinIO sends, analyze checks
  kubectl create secret generic minio -n media-analyzer \
    --from-literal=MINIO_ROOT_USER=$user --from-literal=MINIO_ROOT_PASSWORD="$password" \
    --from-literal=MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ANALYZE="$webhook"
  kubectl create secret generic media-analyzer -n media-analyzer \
    --from-literal=AWS_ACCESS_KEY_ID=$user --from-literal=AWS_SECRET_ACCESS_KEY="$password" \
    --from-literal=MA_WEBHOOK_TOKEN="$webhook" \
    --from-literal=MA_API_KEYS="[\"$(secret)\"]"
fi
kubectl apply -k knative/manifests
kubectl wait --for=condition=Ready ksvc --all -n media-analyzer --timeout=600s
echo "Dashboard: http://frontend.media-analyzer.127.0.0.1.sslip.io"
echo "API:       http://api.media-analyzer.127.0.0.1.sslip.io"
echo "RTMP:      rtmp://127.0.0.1:1935/live   (create a stream via the API for its key)"
echo "API key:   kubectl get secret media-analyzer -n media-analyzer -o jsonpath='{.data.MA_API_KEYS}' | base64 -d"
