"""What the API's routes work with, built once per process and reached through the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from functions.backfill import Backfills
from mediacore.brands import BrandLibrary
from mediacore.settings import Settings
from mediacore.storage import ObjectStore
from mediacore.streams import StreamRegistry

KEY = "media_analyzer"


@dataclass
class Services:
    settings: Settings
    registry: StreamRegistry
    store: ObjectStore
    backfills: Backfills
    brands: BrandLibrary
    analyzer: Any  # () -> SegmentAnalyzer, for inline backfills when there is no topic


def services() -> Services:
    return current_app.extensions[KEY]
