"""The functions' collaborators, built once per process: clients, stores, the analyzer,
the backfill tracker and the API app. Entry points (main.py, __main__.py) ask here;
nothing here knows about HTTP or events."""

from __future__ import annotations

from functools import cache

from functions.analyze import SegmentAnalyzer
from functions.backfill import Backfills
from functions.modes import ModeCache
from functions.results import ResultWriter
from mediacore.logs import setup_logging
from mediacore.settings import get_settings
from mediacore.storage import ObjectStore, open_store


@cache
def firestore_client():
    from google.cloud import firestore

    setup_logging()
    return firestore.Client(project=get_settings().platform.project_id)


def default_store() -> ObjectStore:
    """The configured bucket: events naming any other are refused (functions/events.py)."""
    return open_store(get_settings())


@cache
def analyzer() -> SegmentAnalyzer:
    from mediacore.brands import BrandNames

    settings = get_settings()
    client = firestore_client()
    analysis = settings.analysis
    modes = ModeCache(client, analysis.mode_cache_s, analysis.text_default, analysis.speech_default)
    brand_names = BrandNames(client, analysis.brands, analysis.mode_cache_s)
    return SegmentAnalyzer(
        settings, default_store(), ResultWriter(client), modes, brand_names=brand_names
    )


@cache
def backfills() -> Backfills:
    return Backfills(firestore_client(), get_settings())


@cache
def api_app():
    from functions.api import create_app
    from functions.api.services import Services
    from mediacore.brands import BrandLibrary
    from mediacore.streams import StreamRegistry

    settings = get_settings()
    client = firestore_client()
    store = default_store()
    return create_app(
        Services(
            settings=settings,
            registry=StreamRegistry(client),
            store=store,
            backfills=backfills(),
            brands=BrandLibrary(client, store, settings.analysis.logo_bucket_prefix or "brands/"),
            analyzer=analyzer,
        )
    )
