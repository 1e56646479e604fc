# Dashboard sign-in (Firebase Authentication with Google): Firebase on the project, a web
# app whose browser config the dashboard serves as /config.json (cloudrun.tf), and the
# dashboard's domains authorised for the sign-in pop-up. The Google provider itself is
# switched on in the Firebase console (its OAuth client cannot be made by Terraform):
# docs/deploy-gcp.md.
resource "google_firebase_project" "default" {
  provider   = google-beta
  project    = var.project_id
  depends_on = [google_project_service.enabled]
}

resource "google_firebase_web_app" "dashboard" {
  provider     = google-beta
  project      = google_firebase_project.default.project
  display_name = "Media Analyzer dashboard"
}

data "google_firebase_web_app_config" "dashboard" {
  provider   = google-beta
  web_app_id = google_firebase_web_app.dashboard.app_id
}

locals {
  # Host names the dashboard is opened at: its deterministic and hash run.app URLs, or
  # the origins given in var.dashboard_origins.
  dashboard_hosts = distinct([
    for url in concat(local.origins, google_cloud_run_v2_service.frontend.urls) :
    regex("^https?://([^/:]+)", url)[0]
  ])
}

# Upgrades the project's Firebase Authentication to Identity Platform (free tier: 50,000
# monthly users signing in with Google). A project that already has it: import it
# (docs/deploy-gcp.md).
resource "google_identity_platform_config" "auth" {
  project = google_firebase_project.default.project
  authorized_domains = concat(
    ["${var.project_id}.firebaseapp.com", "${var.project_id}.web.app"],
    local.dashboard_hosts,
  )
}
