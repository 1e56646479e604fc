"""functions-framework entry points. Keep them tiny: parse, delegate, map errors to HTTP.

    functions-framework --source functions/main.py --target analyze          # CloudEvent
    functions-framework --source functions/main.py --target analyze_webhook \
        --signature-type http                                               # MinIO / S3

``analyze`` takes Eventarc storage events and Pub/Sub-pushed GCS notifications
(functions-framework turns a raw Pub/Sub push into a CloudEvent). A raised
exception becomes HTTP 500, which makes the event source deliver again: only
transient failures may raise. ``analyze_webhook`` takes S3 notification JSON
as MinIO posts it and answers 503 on a transient failure for the same reason.
"""

from __future__ import annotations

import logging
from functools import cache

import functions_framework

from functions.analyze import SegmentAnalyzer
from functions.events import Ignored, MalformedEvent, from_cloudevent, from_s3_notification
from functions.modes import ModeCache
from functions.results import ResultWriter
from mediacore.logs import setup_logging
from mediacore.settings import get_settings
from mediacore.storage import open_store

log = logging.getLogger("functions.analyze")


@cache
def _analyzer() -> SegmentAnalyzer:
    from google.cloud import firestore

    settings = get_settings()
    setup_logging()

    @cache
    def store_for_bucket(bucket: str):
        scheme = settings.bucket_scheme
        return open_store(settings.model_copy(update={"bucket_url": f"{scheme}://{bucket}"}))

    client = firestore.Client(project=settings.project_id)
    modes = ModeCache(client, settings.mode_cache_s)
    return SegmentAnalyzer(settings, store_for_bucket, ResultWriter(client), modes)


def _dispatch(items) -> None:
    for item in items:
        if isinstance(item, Ignored):
            log.debug("ignored %s: %s", item.name, item.reason)
            continue
        _analyzer().handle(item)


@functions_framework.cloud_event
def analyze(cloud_event) -> None:
    try:
        items = from_cloudevent(
            cloud_event["type"],
            cloud_event.data,
            event_id=cloud_event["id"],
            time=cloud_event.get("time"),
        )
    except MalformedEvent as exc:
        # Acknowledge: redelivering a malformed event would loop forever.
        _analyzer()  # make sure logging is set up
        log.error("malformed event %s acknowledged: %s", cloud_event["id"], exc)
        return
    _dispatch(items)


@functions_framework.http
def analyze_webhook(request):
    body = request.get_json(silent=True)
    try:
        items = from_s3_notification(body if isinstance(body, dict) else {})
    except MalformedEvent as exc:
        return {"error": str(exc)}, 400
    try:
        _dispatch(items)
    except Exception:
        log.exception("transient failure; asking the sender to retry")
        return {"error": "temporarily unavailable"}, 503
    return "", 204
