# Segment finalized -> analyze: a Cloud Storage notification (segments' prefix only) to a
# topic, and a push subscription to analyze with a filter and a dead-letter topic
# (functions-framework turns the push into a CloudEvent; functions/events.py reads it).
# Eventarc's direct storage trigger can filter on the bucket only, and the subscription
# it manages takes no dead-letter policy: every playlist rewrite would invoke analyze,
# and an event that keeps failing would be dropped silently.
resource "google_pubsub_topic" "segments" {
  #checkov:skip=CKV_GCP_83:Messages carry only object names and metadata of our own bucket; Google-managed encryption is enough and CMEK adds key operations for no data at risk.
  name                       = "segment-finalized"
  message_retention_duration = "86400s"
  depends_on                 = [google_project_service.enabled]
}

# The Cloud Storage service agent exists once asked for: this data source asks.
data "google_storage_project_service_account" "gcs" {
  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic_iam_member" "gcs_publishes_segments" {
  topic  = google_pubsub_topic.segments.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_storage_notification" "segments" {
  bucket             = google_storage_bucket.media.name
  topic              = google_pubsub_topic.segments.id
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = "streams/"
  depends_on         = [time_sleep.iam_propagation]
}

resource "google_pubsub_subscription" "segments_push" {
  name  = "analyze-segments"
  topic = google_pubsub_topic.segments.id
  # Segments are created once (if_generation_match=0, mediacore/storage.py); a playlist
  # is rewritten in place, and a finalize that replaced a generation carries
  # overwroteGeneration. Pub/Sub filters match attribute keys, values and prefixes (no
  # suffixes), so this drops every playlist rewrite; a playlist's first write still
  # arrives once per stream and analyze acknowledges it.
  filter = "NOT attributes:overwroteGeneration"
  # Above analyze's request timeout (60 s): a push is never redelivered while it runs.
  ack_deadline_seconds = 120

  push_config {
    push_endpoint = google_cloud_run_v2_service.analyze.uri
    oidc_token {
      service_account_email = google_service_account.events.email
    }
  }

  retry_policy {
    minimum_backoff = "1s"
    maximum_backoff = "60s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }

  expiration_policy {
    ttl = "" # never: a subscription idle for 31 days would otherwise be deleted
  }
}

# Backfills: one message per segment (the same notification shape), pushed to analyze.
resource "google_pubsub_topic" "backfill" {
  #checkov:skip=CKV_GCP_83:Messages carry only object names of our own bucket; Google-managed encryption is enough and CSEK/CMEK adds key operations for no data at risk.
  name                       = "segment-backfill"
  message_retention_duration = "86400s"
  depends_on                 = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "backfill_push" {
  name                 = "backfill-push"
  topic                = google_pubsub_topic.backfill.id
  ack_deadline_seconds = 120

  push_config {
    push_endpoint = google_cloud_run_v2_service.analyze.uri
    oidc_token {
      service_account_email = google_service_account.events.email
    }
  }

  retry_policy {
    minimum_backoff = "1s"
    maximum_backoff = "60s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 20
  }

  expiration_policy {
    ttl = ""
  }
}

# Messages that analyze refused too often, kept 7 days for inspection and replay
# (docs/deploy-gcp.md). A topic keeps nothing without a subscription.
resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Same content as the segment and backfill topics (object names only); Google-managed encryption.
  name                       = "segment-dead-letter"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "dead_letter" {
  name                       = "segment-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60
  expiration_policy {
    ttl = ""
  }
}

# Pub/Sub forwards a message to the dead-letter topic as its own service agent: it must
# publish there and subscribe to (acknowledge on) the source subscription. For OIDC push
# it mints tokens as the push identity (needed on projects created before April 2021).
resource "google_project_service_identity" "pubsub" {
  provider   = google-beta
  service    = "pubsub.googleapis.com"
  depends_on = [google_project_service.enabled]
}

locals {
  pubsub_agent = "serviceAccount:${google_project_service_identity.pubsub.email}"
  dead_lettered = {
    segments = google_pubsub_subscription.segments_push.name
    backfill = google_pubsub_subscription.backfill_push.name
  }
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letters" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_forwards" {
  for_each     = local.dead_lettered
  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_service_account_iam_member" "pubsub_signs_push_tokens" {
  service_account_id = google_service_account.events.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}
