resource "google_firestore_database" "default" {
  name                    = "(default)"
  location_id             = var.region
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  depends_on              = [google_project_service.enabled]
}

# The same rules the local emulator runs (repository root: firestore.rules).
resource "google_firebaserules_ruleset" "firestore" {
  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/../firestore.rules")
    }
  }
  depends_on = [google_firestore_database.default]
}

resource "google_firebaserules_release" "firestore" {
  name         = "cloud.firestore"
  ruleset_name = google_firebaserules_ruleset.firestore.name
}

# What the rules read to allow public read (mirrors MA_API_PUBLIC_READ, off).
resource "google_firestore_document" "access" {
  database    = google_firestore_database.default.name
  collection  = "config"
  document_id = "access"
  fields      = jsonencode({ public_read = { booleanValue = false } })
}
