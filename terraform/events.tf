# Object finalize -> analyze, through Eventarc's direct Cloud Storage trigger. Eventarc
# filters on the bucket only; the function acknowledges playlists and other objects.
resource "google_project_iam_member" "gcs_publishes_events" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:service-${data.google_project.this.number}@gs-project-accounts.iam.gserviceaccount.com"
}

resource "google_eventarc_trigger" "segment_finalized" {
  name     = "segment-finalized"
  location = var.region

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = google_storage_bucket.media.name
  }

  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.analyze.name
      region  = var.region
    }
  }

  service_account = google_service_account.eventarc.email
  depends_on      = [google_project_iam_member.gcs_publishes_events, google_project_iam_member.eventarc_receiver]
}

# Backfills: one message per segment, pushed to analyze with an OIDC token.
resource "google_pubsub_topic" "backfill" {
  #checkov:skip=CKV_GCP_83:Messages carry only object names of our own bucket; Google-managed encryption is enough and CSEK/CMEK adds key operations for no data at risk.
  name                       = "segment-backfill"
  message_retention_duration = "86400s"
  depends_on                 = [google_project_service.enabled]
}

resource "google_pubsub_topic" "backfill_dead_letter" {
  #checkov:skip=CKV_GCP_83:Same content as the backfill topic (object names only); Google-managed encryption.
  name                       = "segment-backfill-dead-letter"
  message_retention_duration = "604800s"
}

resource "google_pubsub_subscription" "backfill_push" {
  name  = "backfill-push"
  topic = google_pubsub_topic.backfill.id
  # Above analyze's request timeout (60 s): a push is never redelivered while it runs.
  ack_deadline_seconds = 120

  push_config {
    push_endpoint = google_cloud_run_v2_service.analyze.uri
    oidc_token {
      service_account_email = google_service_account.eventarc.email
    }
  }

  retry_policy {
    minimum_backoff = "1s"
    maximum_backoff = "60s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.backfill_dead_letter.id
    max_delivery_attempts = 20
  }
}
