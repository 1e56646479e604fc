"""nginx-rtmp's HTTP callbacks: publish auth and stream status (Flask).

nginx posts a form for each call (``call``, ``name``, ``addr`` and the stream
URL's arguments, here ``key``). For ``on_publish`` a 2xx answer lets the
publisher in and anything else drops it before a single frame is written, so
a wrong key never produces segments. The registry being unreachable also
answers 503: fail closed; OBS retries by itself.
"""

from __future__ import annotations

import logging

from flask import Flask, request

from mediacore.names import InvalidName, check_stream_id

log = logging.getLogger(__name__)


def create_app(registry, uploader) -> Flask:
    app = Flask("ingest")

    @app.post("/rtmp/on_publish")
    def on_publish():
        name = request.form.get("name", "")
        publisher = request.form.get("addr", "")
        try:
            stream_id = check_stream_id(name)
        except InvalidName:
            log.warning("publish refused: invalid stream name from %s", publisher)
            return "invalid stream name", 403
        try:
            allowed = registry.authorize(stream_id, request.form.get("key"))
        except Exception:
            log.exception("publish refused: stream registry unavailable")
            return "registry unavailable", 503
        if not allowed:
            log.warning(
                "publish refused for stream %s from %s: unknown stream or wrong key",
                stream_id,
                publisher,
            )
            return "forbidden", 403
        registry.mark_live(stream_id, publisher)
        uploader.publish_started(stream_id)
        log.info("stream %s live from %s", stream_id, publisher)
        return "ok", 200

    @app.post("/rtmp/on_publish_done")
    def on_publish_done():
        name = request.form.get("name", "")
        try:
            stream_id = check_stream_id(name)
        except InvalidName:
            return "ok", 200
        try:
            registry.mark_ended(stream_id)
        except Exception:
            log.exception("could not mark stream %s ended", stream_id)
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
