"""The control API: streams, keys, modes, backfills, summaries, brands and logos (Flask).

Built with flask-openapi3: the pydantic models in ``schemas.py`` validate every
request and generate the OpenAPI 3.1 document served at ``/v1/openapi.json``.
Run it as the ``api`` function (functions/main.py) or any WSGI server.
"""

from __future__ import annotations

from flask_cors import CORS
from flask_openapi3 import Info, OpenAPI

from functions.api import auth, brands, catalogue, errors, exports, streams
from functions.api.services import KEY, Services

VERSION = "1.0.0"


def create_app(services: Services) -> OpenAPI:
    app = OpenAPI(
        __name__,
        info=Info(
            title="Media Analyzer control API",
            version=VERSION,
            description="Streams and their keys, processing modes, backfills, brand "
            "exposure summaries, and the brand and logo library.",
        ),
        security_schemes=auth.SECURITY_SCHEMES,
        validation_error_status="400",  # every route documents its 400 as ErrorBody
        validation_error_model=errors.ErrorBody,
        validation_error_callback=errors.validation_error,
        doc_ui=False,
    )
    app.config["MAX_CONTENT_LENGTH"] = services.settings.api.max_body_bytes
    app.extensions[KEY] = services
    errors.install(app)
    auth.install(app)  # Host and credential first, before any request validation
    # Browsers may call the API (and play its playlists) from the dashboard's origins only.
    CORS(
        app,
        resources={r"/v1/*": {"origins": services.settings.api.cors_origins}},
        allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        max_age=3600,
    )
    app.register_api(streams.bp)
    app.register_api(brands.bp)
    app.register_api(exports.bp)
    app.register_api(catalogue.bp)

    @app.get("/v1/openapi.json", doc_ui=False)
    @auth.require(auth.PUBLIC)
    def openapi_document():
        return app.api_doc

    @app.get("/healthz", doc_ui=False)
    @auth.require(auth.PUBLIC)
    def healthz():
        return {"status": "ok"}

    return app
