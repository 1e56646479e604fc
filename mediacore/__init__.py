"""Code shared by every Media Analyzer unit: settings, logging, storage, object names, schemas."""
