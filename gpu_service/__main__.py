"""``python -m gpu_service``: serve the model service (waitress; gunicorn in containers)."""

from __future__ import annotations

import logging

from gpu_service.app import create_app
from gpu_service.config import ServiceConfig
from mediacore.logs import setup_logging
from mediacore.settings import get_settings

log = logging.getLogger("gpu_service")


def wsgi_app():
    """Entry point for gunicorn: ``gunicorn 'gpu_service.__main__:wsgi_app()'``."""
    setup_logging()
    return create_app(ServiceConfig.from_settings(get_settings()))


def main() -> None:
    from waitress import serve

    settings = get_settings()
    app = wsgi_app()
    log.info("gpu_service on http://%s:%d", settings.host, settings.gpu_service_port)
    serve(app, host=settings.host, port=settings.gpu_service_port, threads=16, _quiet=True)


if __name__ == "__main__":
    main()
