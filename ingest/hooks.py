"""nginx-rtmp's HTTP callbacks: publish auth, re-checks and stream status (Flask).

nginx posts a form for each call (``call``, ``name``, ``addr``, ``clientid`` and
the stream URL's arguments, here ``key``); the callback URLs carry ``instance``,
a token of the running nginx (ingest/nginx.py). For ``on_publish`` a 2xx answer
lets the publisher in and anything else drops it before a single frame is
written, so a wrong key never produces segments; a stream another session is
publishing answers 409. The registry being unreachable also answers 503: fail
closed; OBS retries by itself.

``on_update`` comes every ``MA_PUBLISH_RECHECK_S`` for each running publish: a
4xx drops the publisher (key rotated, stream deleted, session replaced). When
the registry cannot answer, the accepted publisher goes on (2xx): a Firestore
hiccup must not cut live streams. ``on_publish_done`` ends the stream only when
it comes from the accepted session.
"""

from __future__ import annotations

import logging

from flask import Flask, request

from mediacore.names import InvalidName, check_stream_id
from mediacore.settings import get_settings
from mediacore.streams import Publisher, PublishVerdict

log = logging.getLogger(__name__)

# on_update must be answered well within nginx's netcall timeout (10 s), or it drops.
RECHECK_TIMEOUT_S = 4.0


def _stream_id() -> str | None:
    try:
        return check_stream_id(request.form.get("name", ""))
    except InvalidName:
        return None


def _publisher() -> Publisher:
    return Publisher(
        instance=request.args.get("instance", ""),
        client_id=request.form.get("clientid", ""),
        addr=request.form.get("addr", ""),
    )


def create_app(registry, uploader) -> Flask:
    app = Flask("ingest")
    # A session not re-checked for three periods is gone (e.g. nginx's worker died).
    stale_after_s = 3 * get_settings().ingest.publish_recheck_s

    @app.post("/rtmp/on_publish")
    def on_publish():
        publisher = _publisher()
        stream_id = _stream_id()
        if stream_id is None:
            log.warning("publish refused: invalid stream name from %s", publisher.addr)
            return "invalid stream name", 403
        try:
            verdict = registry.start_publish(
                stream_id, request.form.get("key"), publisher, stale_after_s
            )
        except Exception:
            log.exception("publish refused: stream registry unavailable")
            return "registry unavailable", 503
        if verdict is PublishVerdict.REFUSED:
            log.warning(
                "publish refused for stream %s from %s: unknown stream or wrong key",
                stream_id,
                publisher.addr,
            )
            return "forbidden", 403
        if verdict is PublishVerdict.BUSY:
            log.warning(
                "publish refused for stream %s from %s: another session is publishing it",
                stream_id,
                publisher.addr,
            )
            return "already publishing", 409
        uploader.publish_started(stream_id)
        log.info("stream %s live from %s", stream_id, publisher.addr)
        return "ok", 200

    @app.post("/rtmp/on_update")
    def on_update():
        stream_id = _stream_id()
        if stream_id is None or request.form.get("call") != "update_publish":
            return "ok", 200  # nothing of ours to re-check
        try:
            allowed = registry.check_publish(
                stream_id, request.form.get("key"), _publisher(), RECHECK_TIMEOUT_S
            )
        except Exception:
            log.warning("could not re-check stream %s; the publisher goes on", stream_id)
            return "unchecked", 200
        if not allowed:
            log.warning(
                "dropping the publisher of stream %s: key rotated or stream gone", stream_id
            )
            return "forbidden", 403
        return "ok", 200

    @app.post("/rtmp/on_publish_done")
    def on_publish_done():
        stream_id = _stream_id()
        if stream_id is None:
            return "ok", 200
        try:
            accepted = registry.end_publish(stream_id, _publisher())
        except Exception:
            log.exception("could not mark stream %s ended", stream_id)
            accepted = True  # only accepted sessions get here: let the uploader finish
        if not accepted:
            log.warning("stream %s: end of a session that was not the publisher ignored", stream_id)
            return "ok", 200
        uploader.publish_ended(stream_id)
        log.info("stream %s ended", stream_id)
        return "ok", 200

    @app.get("/metrics")
    def prometheus_metrics():
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        from mediacore.metrics import REGISTRY

        return generate_latest(REGISTRY), 200, {"Content-Type": CONTENT_TYPE_LATEST}

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
