# One identity per service, each with only what it uses.
resource "google_service_account" "ingest" {
  account_id   = "ma-ingest"
  display_name = "Media Analyzer ingest (RTMP edge, uploader)"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "analyze" {
  account_id   = "ma-analyze"
  display_name = "Media Analyzer analyze function"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "api" {
  account_id   = "ma-api"
  display_name = "Media Analyzer control API"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "gpu" {
  account_id   = "ma-gpu"
  display_name = "Media Analyzer model service"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "frontend" {
  account_id   = "ma-dashboard"
  display_name = "Media Analyzer dashboard (serves static files only)"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "events" {
  account_id   = "ma-events"
  display_name = "Media Analyzer event delivery (Pub/Sub push to analyze)"
  depends_on   = [google_project_service.enabled]
}

locals {
  firestore_users = {
    ingest  = google_service_account.ingest.email
    analyze = google_service_account.analyze.email
    api     = google_service_account.api.email
  }
  log_writers = {
    ingest = google_service_account.ingest.email
    build  = google_service_account.build.email
  }
}

resource "google_project_iam_member" "firestore" {
  for_each = local.firestore_users
  project  = var.project_id
  role     = "roles/datastore.user"
  member   = "serviceAccount:${each.value}"
}

resource "google_project_iam_member" "logs" {
  for_each = local.log_writers
  project  = var.project_id
  role     = "roles/logging.logWriter"
  member   = "serviceAccount:${each.value}"
}

# Bucket: the ingest writes segments and rewrites playlists; analyze and the model
# service read; the API reads playlists and manages logos.
resource "google_storage_bucket_iam_member" "ingest_writes" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.ingest.email}"
}

resource "google_storage_bucket_iam_member" "analyze_reads" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.analyze.email}"
}

# Evidence thumbnails (the best frame of each appearance): analyze writes them, and only
# under evidence/ (IAM condition), so it still cannot touch a segment or a logo.
resource "google_storage_bucket_iam_member" "analyze_writes_evidence" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.analyze.email}"

  condition {
    title      = "evidence-only"
    expression = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.media.name}/objects/evidence/\")"
  }
}

resource "google_storage_bucket_iam_member" "gpu_reads_logos" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.gpu.email}"
}

resource "google_storage_bucket_iam_member" "api_manages" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.api.email}"
}

# Signed playback URLs: the API signs as itself through the IAM credentials API.
resource "google_service_account_iam_member" "api_signs_urls" {
  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.api.email}"
}

resource "google_pubsub_topic_iam_member" "api_queues_backfills" {
  topic  = google_pubsub_topic.backfill.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.api.email}"
}

resource "google_secret_manager_secret_iam_member" "api_reads_keys" {
  secret_id = google_secret_manager_secret.api_keys.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api.email}"
}

resource "google_artifact_registry_repository_iam_member" "ingest_pulls" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.ingest.email}"
}

# Cloud Build runs as its own identity (cloudbuild.yaml: serviceAccount). New projects
# may have no default build account, or one without roles: it reads the uploaded source
# from the staging bucket, pushes images, and writes its logs (logs above).
resource "google_service_account" "build" {
  account_id   = "ma-build"
  display_name = "Media Analyzer image builds (Cloud Build)"
  depends_on   = [google_project_service.enabled]
}

resource "google_artifact_registry_repository_iam_member" "build_pushes" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket_iam_member" "build_reads_source" {
  bucket = google_storage_bucket.build_source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}
