# analyze: Pub/Sub push only (internal ingress, IAM-authenticated).
resource "google_cloud_run_v2_service" "analyze" {
  name                = "analyze"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = false

  template {
    service_account                  = google_service_account.analyze.email
    max_instance_request_concurrency = 4 # decode + one model request per segment
    # Above MA_ANALYSIS_DEADLINE_S (50 s), below the backfill push's ack deadline (120 s).
    timeout = "60s"
    scaling {
      min_instance_count = 0
      max_instance_count = 50
    }
    containers {
      image = local.image["functions"]
      resources {
        limits   = { cpu = "1", memory = "1Gi" }
        cpu_idle = true # request-based billing: nothing between requests
      }
      dynamic "env" {
        for_each = merge(local.functions_env, { FUNCTION_TARGET = "analyze", FUNCTION_SIGNATURE_TYPE = "cloudevent" })
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }
  depends_on = [google_project_service.enabled]
}

# api: public endpoint; it authenticates every call itself (API keys, Firebase ID tokens).
resource "google_cloud_run_v2_service" "api" {
  name                = "api"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account                  = google_service_account.api.email
    max_instance_request_concurrency = 40
    scaling {
      min_instance_count = 0
      max_instance_count = 10
    }
    containers {
      image = local.image["functions"]
      resources {
        limits   = { cpu = "1", memory = "512Mi" }
        cpu_idle = true
      }
      dynamic "env" {
        for_each = merge(local.functions_env, {
          FUNCTION_TARGET         = "api"
          FUNCTION_SIGNATURE_TYPE = "http"
          MA_CORS_ORIGINS         = jsonencode(local.origins)
        })
        content {
          name  = env.key
          value = env.value
        }
      }
      env {
        name = "MA_API_KEYS"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.api_keys.secret_id
            version = "latest" # new instances read keys added with gcloud
          }
        }
      }
      startup_probe {
        http_get {
          path = "/healthz"
        }
      }
    }
  }
  # The secret needs a version, and the api's identity access to it, before the first
  # revision (time_sleep waits for the grant to propagate).
  depends_on = [
    google_project_service.enabled,
    google_secret_manager_secret_version.api_keys_initial,
    google_secret_manager_secret_iam_member.api_reads_keys,
    time_sleep.iam_propagation,
  ]
}

# The model service on an NVIDIA L4. min instances keep the models loaded.
resource "google_cloud_run_v2_service" "gpu" {
  count               = local.use_gpu ? 1 : 0
  name                = "gpu-service"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL" # IAM-only: analyze's identity holds run.invoker
  deletion_protection = false

  template {
    service_account                  = google_service_account.gpu.email
    max_instance_request_concurrency = 8 # the dynamic batcher merges concurrent requests
    gpu_zonal_redundancy_disabled    = true
    scaling {
      min_instance_count = var.gpu_min_instances
      max_instance_count = var.gpu_max_instances
    }
    node_selector {
      accelerator = "nvidia-l4"
    }
    containers {
      image = local.image["gpu"]
      ports {
        container_port = 8090
      }
      resources {
        limits            = { cpu = "4", memory = "16Gi", "nvidia.com/gpu" = "1" }
        cpu_idle          = false # GPUs need instance-based billing
        startup_cpu_boost = true
      }
      env {
        name  = "MA_BUCKET_URL"
        value = "gs://${local.bucket}"
      }
      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "MA_DETECTOR"
        value = "auto"
      }
      startup_probe {
        http_get {
          path = "/readyz"
        }
        period_seconds    = 10
        failure_threshold = 30
      }
      liveness_probe {
        http_get {
          path = "/healthz"
        }
      }
    }
  }
  depends_on = [google_project_service.enabled]
}

# The dashboard: static files, and /config.json rendered at start from API_BASE and
# FIREBASE_* (frontend/docker/config.json.template). Sign-in: firebase.tf.
resource "google_cloud_run_v2_service" "frontend" {
  name                = local.dashboard_service
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account = google_service_account.frontend.email
    scaling {
      max_instance_count = 3
    }
    containers {
      image = local.image["frontend"]
      ports {
        container_port = 8080
      }
      resources {
        limits   = { cpu = "1", memory = "256Mi" }
        cpu_idle = true
      }
      dynamic "env" {
        for_each = {
          API_BASE             = google_cloud_run_v2_service.api.uri
          FIREBASE_PROJECT_ID  = google_firebase_web_app.dashboard.project
          FIREBASE_API_KEY     = data.google_firebase_web_app_config.dashboard.api_key
          FIREBASE_AUTH_DOMAIN = data.google_firebase_web_app_config.dashboard.auth_domain
          SIGN_IN              = "google"
        }
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }
  depends_on = [google_project_service.enabled]
}

# Who may call what: the dashboard and the API are public (the API checks credentials),
# analyze and gpu-service only for their callers' identities.
resource "google_cloud_run_v2_service_iam_member" "api_public" {
  name     = google_cloud_run_v2_service.api.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "dashboard_public" {
  name     = google_cloud_run_v2_service.frontend.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "events_invoke_analyze" {
  name     = google_cloud_run_v2_service.analyze.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.events.email}"
}

resource "google_cloud_run_v2_service_iam_member" "analyze_invokes_gpu" {
  count    = local.use_gpu ? 1 : 0
  name     = google_cloud_run_v2_service.gpu[0].name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.analyze.email}"
}
