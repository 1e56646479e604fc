locals {
  services = [
    "apikeys.googleapis.com", # the Firebase web app's browser key
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "firebase.googleapis.com",
    "firebaserules.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "identitytoolkit.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "vision.googleapis.com",
  ]
  registry = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  image    = { for name in ["functions", "gpu", "ingest", "frontend"] : name => "${local.registry}/${name}:${var.image_tag}" }
  bucket   = google_storage_bucket.media.name
  use_gpu  = var.analyzer_backend == "local"
  zone     = coalesce(var.zone, "${var.region}-a")

  # The dashboard's deterministic run.app URL, known before its service exists: the
  # bucket's CORS and the API's origins use it. (The service's own `uri` would close a
  # cycle: bucket CORS -> dashboard -> api -> functions_env -> bucket.)
  dashboard_service = "dashboard"
  dashboard_url     = "https://${local.dashboard_service}-${data.google_project.this.number}.${var.region}.run.app"
  origins           = length(var.dashboard_origins) > 0 ? var.dashboard_origins : [local.dashboard_url]

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

# Cloud Run refuses a revision whose secret has no version. The first version holds no
# key (an empty JSON list, so no secret enters the state); keys are added as new
# versions with gcloud (docs/deploy-gcp.md) and `api` reads the latest.
resource "google_secret_manager_secret_version" "api_keys_initial" {
  secret      = google_secret_manager_secret.api_keys.id
  secret_data = "[]"
}

# IAM changes take a while to be seen everywhere (up to minutes): Cloud Storage checks
# its agent's publish permission when the notification is created, and Cloud Run its
# identity's secret access when the revision is deployed. Wait once after the grants.
resource "time_sleep" "iam_propagation" {
  create_duration = "120s"
  depends_on = [
    google_pubsub_topic_iam_member.gcs_publishes_segments,
    google_secret_manager_secret_iam_member.api_reads_keys,
    google_service_account_iam_member.pubsub_signs_push_tokens,
  ]
}
