locals {
  services = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "compute.googleapis.com",
    "eventarc.googleapis.com",
    "firebaserules.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "vision.googleapis.com",
  ]
  registry  = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  image     = { for name in ["functions", "gpu", "ingest", "frontend"] : name => "${local.registry}/${name}:${var.image_tag}" }
  bucket    = google_storage_bucket.media.name
  use_gpu   = var.analyzer_backend == "local"
  api_url   = google_cloud_run_v2_service.api.uri
  dashboard = google_cloud_run_v2_service.frontend.uri
  origins   = length(var.dashboard_origins) > 0 ? var.dashboard_origins : [local.dashboard]

  # The environment every function instance shares (the same variables compose.yaml and
  # knative/render.py set; a test keeps the three in step).
  functions_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    MA_BUCKET_URL        = "gs://${local.bucket}"
    MA_ANALYZER_BACKEND  = var.analyzer_backend
    MA_GPU_SERVICE_URL   = local.use_gpu ? google_cloud_run_v2_service.gpu[0].uri : ""
    MA_GPU_SERVICE_AUTH  = "true"
    MA_BACKFILL_TOPIC    = google_pubsub_topic.backfill.name
    MA_BRANDS            = jsonencode(var.brands)
  }
}

data "google_project" "this" {}

resource "google_project_service" "enabled" {
  for_each           = toset(local.services)
  service            = each.value
  disable_on_destroy = false
}

resource "google_artifact_registry_repository" "images" {
  #checkov:skip=CKV_GCP_84:Images hold no secrets (configuration comes from the environment and Secret Manager); Google-managed encryption.
  location      = var.region
  repository_id = "media-analyzer"
  format        = "DOCKER"
  description   = "Media Analyzer images (cloudbuild.yaml pushes them)."
  depends_on    = [google_project_service.enabled]
}

resource "google_secret_manager_secret" "api_keys" {
  secret_id = "media-analyzer-api-keys"
  replication {
    auto {}
  }
  depends_on = [google_project_service.enabled]
}
