# The RTMP edge: a small VM with a static address (OBS needs a fixed server URL), running
# the ingest image twice (publish hooks + uploader, and nginx-rtmp) on Container-Optimized OS.
resource "google_compute_address" "ingest" {
  name       = "media-analyzer-ingest"
  region     = var.region
  depends_on = [google_project_service.enabled]
}

resource "google_compute_firewall" "rtmp" {
  name          = "media-analyzer-rtmp"
  network       = "default"
  direction     = "INGRESS"
  source_ranges = var.ingest_source_ranges
  target_tags   = ["media-analyzer-ingest"]
  allow {
    protocol = "tcp"
    ports    = ["1935"]
  }
  depends_on = [google_project_service.enabled]
}

locals {
  ingest_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    MA_BUCKET_URL        = "gs://${local.bucket}"
    MA_PLAYBACK_BASE_URL = google_cloud_run_v2_service.api.uri
    MA_RTMP_PUBLIC_URL   = "rtmp://${google_compute_address.ingest.address}:1935/live"
    MA_INGEST_HOOKS_URL  = "http://127.0.0.1:8086"
  }
  ingest_env_flags = join(" ", [for k, v in local.ingest_env : "-e ${k}=${v}"])
}

resource "google_compute_instance" "ingest" {
  #checkov:skip=CKV_GCP_40:The RTMP edge must be reachable by publishers (OBS); only TCP 1935 is open and SSH goes through OS Login/IAP.
  #checkov:skip=CKV_GCP_38:The disk holds only segments in flight (seconds) that are deleted after upload; Google-managed encryption.
  name         = "media-analyzer-ingest"
  machine_type = var.ingest_machine_type
  zone         = local.zone
  tags         = ["media-analyzer-ingest"]

  boot_disk {
    initialize_params {
      image = "cos-cloud/cos-stable"
      size  = 20
    }
  }

  network_interface {
    network = "default"
    access_config {
      nat_ip = google_compute_address.ingest.address
    }
  }

  shielded_instance_config {
    enable_secure_boot          = true
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  metadata = {
    enable-oslogin         = "TRUE"
    block-project-ssh-keys = "TRUE"
    google-logging-enabled = "true" # the containers' output goes to Cloud Logging
    # Runs as root at every boot. Container-Optimized OS mounts / read-only, root's home
    # included; /var is writable, so the docker client's config (the credential helper
    # for Artifact Registry) lives there.
    startup-script = <<-EOT
      #!/bin/bash
      set -euo pipefail
      export HOME=/var/lib/media-analyzer
      mkdir -p "$HOME"
      docker-credential-gcr configure-docker --registries=${var.region}-docker.pkg.dev
      image="${local.image["ingest"]}"
      # The image may not be pushed yet, or the pull grant not yet seen: retry ~10 min.
      for _ in $(seq 60); do
        docker pull "$image" && break
        sleep 10
      done
      docker volume create hls >/dev/null
      for role in serve nginx; do
        docker rm -f "ingest-$role" 2>/dev/null || true
        docker run -d --name "ingest-$role" --restart=always --network=host -v hls:/data \
          ${local.ingest_env_flags} "$image" python -m ingest "$role"
      done
    EOT
  }

  service_account {
    email  = google_service_account.ingest.email
    scopes = ["cloud-platform"]
  }

  depends_on = [
    google_project_service.enabled,
    google_artifact_registry_repository_iam_member.ingest_pulls,
    google_project_iam_member.logs,
  ]
}
