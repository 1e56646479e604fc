#!/bin/bash
# Once per project, before the first `make gcp-apply` (docs/deploy-gcp.md): the APIs
# Terraform needs before it can enable the others (Service Usage), read the project
# (Resource Manager) and keep its state (Cloud Storage), and the state bucket itself:
# versioned, so any earlier state can be restored.
# Usage: terraform/bootstrap.sh PROJECT [REGION]
set -euo pipefail
project=${1:?usage: terraform/bootstrap.sh PROJECT [REGION]}
region=${2:-us-central1}
bucket="gs://$project-tfstate" # the Makefile's -backend-config=bucket=PROJECT-tfstate

gcloud services enable --project "$project" \
  serviceusage.googleapis.com cloudresourcemanager.googleapis.com storage.googleapis.com
if ! gcloud storage buckets describe "$bucket" --project "$project" >/dev/null 2>&1; then
  gcloud storage buckets create "$bucket" --project "$project" --location "$region" \
    --uniform-bucket-level-access --public-access-prevention
fi
gcloud storage buckets update "$bucket" --project "$project" --versioning
