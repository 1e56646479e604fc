output "rtmp_url" {
  description = "OBS Server field (Settings > Stream > Custom...). The stream key comes from POST /v1/streams."
  value       = "rtmp://${google_compute_address.ingest.address}:1935/live"
}

output "dashboard_url" {
  description = "The dashboard."
  value       = google_cloud_run_v2_service.frontend.uri
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
