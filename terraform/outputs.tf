output "rtmp_url" {
  description = "OBS Server field (Settings > Stream > Custom...). The stream key comes from POST /v1/streams."
  value       = "rtmp://${google_compute_address.ingest.address}:1935/live"
}

output "dashboard_url" {
  description = "The dashboard (the URL CORS and sign-in are set up for)."
  value       = local.origins[0]
}

output "api_url" {
  description = "The control API (OpenAPI document at /v1/openapi.json)."
  value       = google_cloud_run_v2_service.api.uri
}

output "bucket" {
  description = "Bucket holding segments, playlists and the logo library."
  value       = google_storage_bucket.media.name
}

output "image_registry" {
  description = "Where cloudbuild.yaml pushes the images."
  value       = local.registry
}

output "dead_letter_subscription" {
  description = "Events analyze refused too often, kept 7 days (docs/deploy-gcp.md)."
  value       = google_pubsub_subscription.dead_letter.name
}
