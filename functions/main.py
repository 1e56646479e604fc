"""functions-framework entry points. Keep them tiny: parse, delegate, map errors to HTTP.

    functions-framework --source functions/main.py --target analyze          # CloudEvent
    functions-framework --source functions/main.py --target analyze_webhook \
        --signature-type http                                               # MinIO / S3
    functions-framework --source functions/main.py --target api \
        --signature-type http                                               # control API

Wiring (clients, stores, the analyzer) is in :mod:`functions.wiring`; errors and
whether they are acknowledged or redelivered in :mod:`functions.errors`.

``analyze`` takes Eventarc storage events and Pub/Sub-pushed GCS notifications
(functions-framework turns a raw Pub/Sub push into a CloudEvent). A raised
exception becomes HTTP 500, which makes the event source deliver again: only
transient failures may raise; malformed or foreign events are acknowledged with
the reason logged. ``analyze_webhook`` takes S3 notification JSON as MinIO posts
it, from a caller holding the webhook token (functions/webhook_auth.py); it answers
503 on a transient failure for the same reason, and 200 to a malformed body (MinIO
would resend anything but a 2xx forever). ``api`` serves the control API
(functions/api) on every path under ``/v1``, backfills included
(``POST /v1/streams/{id}/backfills``, behind its credentials; there is no separate,
unauthenticated backfill target). Settings are read once at import: a process with
invalid settings (e.g. a placeholder secret) refuses to start instead of failing
its first request.
"""

from __future__ import annotations

import logging

import functions_framework

from functions import wiring
from functions.errors import PermanentError
from functions.events import Ignored, Rejected, from_cloudevent, from_s3_notification
from functions.webhook_auth import webhook_refusal
from mediacore import metrics
from mediacore.logs import use_trace
from mediacore.settings import get_settings

log = logging.getLogger("functions.analyze")
get_settings()  # invalid settings stop the process here, at start


def _dispatch(items) -> None:
    """Analyse each segment. A permanent error is acknowledged with its reason logged;
    anything else propagates, so the event source delivers the event again."""
    for item in items:
        if isinstance(item, Rejected):
            _rejected(item.reason, item.name)
            continue
        if isinstance(item, Ignored):
            log.debug("ignored %s: %s", item.name, item.reason)
            continue
        try:
            wiring.analyzer().handle(item)
        except PermanentError as exc:
            log.error("segment %s acknowledged without a result: %s", item.name, exc)
        if item.backfill_id:
            segment = item.segment
            wiring.backfills().mark_finished(segment.stream_id, item.backfill_id, segment.seq)


def _rejected(reason: str, name: str = "") -> None:
    """Acknowledged without analysis: redelivering it could only fail the same way."""
    wiring.firestore_client()  # make sure logging is set up
    metrics.events_rejected.inc()
    log.warning("event acknowledged without analysis: %s", reason, extra={"object": name})


def _serve_metrics() -> None:
    """/metrics for long-lived instances (local stack, compose, Knative): MA_METRICS_PORT."""
    settings = get_settings()
    metrics.serve(settings.analysis.metrics_port, settings.platform.host)


@functions_framework.cloud_event
def analyze(cloud_event) -> None:
    _serve_metrics()
    use_trace({"traceparent": cloud_event.get("traceparent") or ""})
    try:
        items = from_cloudevent(
            cloud_event["type"],
            cloud_event.data,
            bucket=get_settings().platform.bucket_name,
            event_id=cloud_event["id"],
            time=cloud_event.get("time"),
        )
    except PermanentError as exc:
        # Acknowledge: redelivering a malformed event would loop forever.
        _rejected(f"malformed event {cloud_event['id']}: {exc}")
        return
    _dispatch(items)


@functions_framework.http
def analyze_webhook(request):
    _serve_metrics()
    use_trace(request.headers)
    refusal = webhook_refusal(
        request.headers.get("Authorization"), get_settings().analysis.webhook_token
    )
    if refusal:
        status, reason = refusal
        wiring.firestore_client()  # make sure logging is set up
        log.warning("webhook call refused (%d): %s", status, reason)
        return {"error": reason}, status, {"WWW-Authenticate": "Bearer"}
    if request.method != "POST":
        return "", 204  # MinIO checks that its target is up with a HEAD
    body = request.get_json(silent=True)
    try:
        items = from_s3_notification(body, bucket=get_settings().platform.bucket_name)
    except PermanentError as exc:
        _rejected(f"malformed webhook body: {exc}")
        return {"acknowledged": f"not analysed: {exc}"}, 200
    try:
        _dispatch(items)
    except Exception:
        log.exception("transient failure; asking the sender to retry")
        return {"error": "temporarily unavailable"}, 503
    return "", 204


def _json_not_found() -> None:
    """functions-framework routes ``/<path:path>``, which cannot match some paths (e.g. with
    an encoded newline) and then answers its own HTML 404. It runs this module inside its
    app context, so the API's JSON error shape goes there too."""
    import flask

    from functions.api.errors import error_response

    if flask.has_app_context():
        flask.current_app.register_error_handler(404, lambda _: error_response(404, "not found"))


_json_not_found()


@functions_framework.http
def api(request):
    use_trace(request.headers)
    app = wiring.api_app()
    with app.request_context(request.environ):
        return app.full_dispatch_request()
