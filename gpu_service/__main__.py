"""``python -m gpu_service``: serve the model service (waitress; gunicorn in containers)."""

from __future__ import annotations

import logging

from gpu_service.app import create_app
from gpu_service.config import ServerConfig, ServiceConfig
from mediacore.logs import setup_logging
from mediacore.settings import get_settings

log = logging.getLogger("gpu_service")


def wsgi_app():
    """Entry point for gunicorn: ``gunicorn 'gpu_service.__main__:wsgi_app()'``."""
    setup_logging()
    return create_app(ServiceConfig.load())


def main() -> None:
    from waitress import serve

    host, port = get_settings().platform.host, ServerConfig().port
    app = wsgi_app()
    log.info("gpu_service on http://%s:%d", host, port)
    serve(app, host=host, port=port, threads=16, _quiet=True)


if __name__ == "__main__":
    main()
