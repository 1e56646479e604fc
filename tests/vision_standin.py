"""A local stand-in for the Cloud Vision REST endpoint, answering with recorded response shapes.

The only test double in the project, at the wire of a paid external API: the
real google-cloud-vision client talks HTTP to it (``api_endpoint``), so request
encoding, response parsing and error mapping are the library's own.
"""

from __future__ import annotations

import base64
import json
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

RECORDED = Path(__file__).parent / "fixtures" / "cloud_vision"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.json").read_text())


class VisionStandIn:
    """Answers POST /v1/images:annotate: per image, the next recorded per-image answer;
    or, when ``fail_with`` names a recorded error body, that error for the whole call."""

    def __init__(self, per_image: list[str] | None = None, fail_with: str | None = None):
        self.per_image = per_image or ["street_frame"]
        self.fail_with = fail_with
        self.requests: list[dict] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method != "POST" or request.path != "/v1/images:annotate":
            return Response("not found", 404)(environ, start_response)
        body = request.get_json()
        self.requests.append(body)
        if self.fail_with:
            error = recorded(self.fail_with)
            response = Response(json.dumps(error), error["error"]["code"])
        else:
            answers = [
                recorded(self.per_image[i % len(self.per_image)])
                for i in range(len(body["requests"]))
            ]
            response = Response(json.dumps({"responses": answers}), 200)
        response.content_type = "application/json"
        return response(environ, start_response)

    def images(self) -> list[bytes]:
        return [
            base64.b64decode(item["image"]["content"])
            for body in self.requests
            for item in body["requests"]
        ]


@contextmanager
def serve(stand_in: VisionStandIn):
    server = make_server("127.0.0.1", 0, stand_in, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
