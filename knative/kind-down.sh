#!/usr/bin/env bash
# Delete the KIND cluster (and everything in it).  Used by `make kind-down`.
set -euo pipefail
command -v kind >/dev/null || { echo "kind-down: kind is not installed"; exit 2; }
kind delete cluster --name media-analyzer
