variable "project_id" {
  description = "GCP project to deploy into (make gcp-* pass PROJECT)."
  type        = string
}

variable "region" {
  description = "Region for Cloud Run, the buckets, Artifact Registry and Pub/Sub (make gcp-* pass REGION). Pick one with NVIDIA L4 on Cloud Run (e.g. us-central1, europe-west4)."
  type        = string
  default     = "us-central1"
}

variable "zone" {
  description = "Zone of the ingest VM (inside var.region). Empty: the region's zone a."
  type        = string
  default     = ""
}

variable "image_tag" {
  description = "Tag of the images cloudbuild.yaml pushed to Artifact Registry."
  type        = string
  default     = "latest-release"
}

variable "dashboard_origins" {
  description = "Browser origins the dashboard is served at (custom domains): allowed to call the API and read playback URLs (CORS), and authorised for sign-in. Empty: the dashboard's own Cloud Run URL only."
  type        = list(string)
  default     = []
}

variable "analyzer_backend" {
  description = "Who labels the frames: local (the GPU model service) or cloud-vision (Google Cloud Vision; the gpu service is then not deployed)."
  type        = string
  default     = "local"
  validation {
    condition     = contains(["local", "cloud-vision", "none"], var.analyzer_backend)
    error_message = "analyzer_backend must be local, cloud-vision or none."
  }
}

variable "gpu_min_instances" {
  description = "Warm GPU instances. 1 avoids model-loading cold starts (~30 s) but bills an L4 around the clock."
  type        = number
  default     = 1
}

variable "gpu_max_instances" {
  description = "Most GPU instances (L4 quota permitting)."
  type        = number
  default     = 3
}

variable "segment_retention_days" {
  description = "Days a stream's segments stay in the bucket (backfills need them); results in Firestore stay."
  type        = number
  default     = 30
}

variable "ingest_machine_type" {
  description = "Machine type of the RTMP ingest VM (copying streams needs ~2 % of a core each)."
  type        = string
  default     = "e2-standard-2"
}

variable "ingest_source_ranges" {
  description = "Who may connect to RTMP (TCP 1935). Narrow it to your studios' addresses where you can."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "brands" {
  description = "Brand names the models look for from the start (more can be added through the API)."
  type        = list(string)
  default     = []
}
