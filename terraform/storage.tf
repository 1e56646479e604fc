# Segments and playlists. Private with uniform access: players get short-lived signed
# URLs from the API's playlist endpoint, never public objects.
resource "google_storage_bucket" "media" {
  name                        = "${var.project_id}-media"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }

  lifecycle_rule {
    condition {
      age            = var.segment_retention_days
      matches_prefix = ["streams/", "evidence/"] # thumbnails expire with their segments
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 1
    }
    action {
      type = "Delete"
    }
  }

  cors {
    origin          = local.origins
    method          = ["GET", "HEAD"]
    response_header = ["Content-Type", "Range"]
    max_age_seconds = 3600
  }

  # Usage logs are written only once Cloud Storage may write them.
  depends_on = [google_project_service.enabled, google_storage_bucket_iam_member.usage_logs_writer]
}

resource "google_storage_bucket" "access_logs" {
  #checkov:skip=CKV_GCP_62:This is the access-log bucket itself; logging it into itself would recurse.
  name                        = "${var.project_id}-media-logs"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  depends_on                  = [google_project_service.enabled]

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }
}

# Cloud Storage writes usage logs as this group (storage/docs/access-logs): without
# object create on the log bucket, no log is ever written.
resource "google_storage_bucket_iam_member" "usage_logs_writer" {
  bucket = google_storage_bucket.access_logs.name
  role   = "roles/storage.objectCreator"
  member = "group:cloud-storage-analytics@google.com"
}

# Where `make gcp-images` uploads the source for Cloud Build (kept a week).
resource "google_storage_bucket" "build_source" {
  #checkov:skip=CKV_GCP_78:Build sources are uploaded afresh for every build and deleted after 7 days; versions would only keep stale copies.
  name                        = "${var.project_id}-build"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }

  lifecycle_rule {
    condition {
      age = 7
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled, google_storage_bucket_iam_member.usage_logs_writer]
}
