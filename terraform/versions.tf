terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.40"
    }
    # Firebase (project, web app) and service identities exist in the beta provider only.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 6.40"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }

  # State lives in a versioned bucket (terraform/bootstrap.sh creates it). Partial
  # configuration: the bucket is given at init, `make gcp-plan` passes
  # -backend-config=bucket=PROJECT-tfstate. Offline checks use -backend=false.
  backend "gcs" {
    prefix = "media-analyzer"
  }
}

# Firebase Rules, Firebase Management and Identity Toolkit refuse user credentials
# (gcloud auth application-default login) that name no quota project: bill every call
# to the deployment's own project.
provider "google" {
  project               = var.project_id
  region                = var.region
  user_project_override = true
  billing_project       = var.project_id
}

provider "google-beta" {
  project               = var.project_id
  region                = var.region
  user_project_override = true
  billing_project       = var.project_id
}
