"""One error body for every failure the API returns: ``{"error": {"code", "status", "message"}}``.

Validation errors carry ``details`` (pydantic's field locations and messages, without
the rejected input, which may be a secret or a large blob).
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, jsonify
from pydantic import BaseModel, Field
from werkzeug.exceptions import HTTPException


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorInfo(BaseModel):
    code: int
    status: str = Field(description="HTTP reason phrase, e.g. NOT_FOUND")
    message: str
    details: list[ErrorDetail] = []


class ErrorBody(BaseModel):
    error: ErrorInfo


class ApiError(Exception):
    def __init__(self, code: int, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or []


def error_response(code: int, message: str, details: list[dict] | None = None):
    status = HTTPStatus(code).name
    body = {"error": {"code": code, "status": status, "message": message, "details": details or []}}
    response = jsonify(body)
    response.status_code = code  # a Response, not a tuple: flask-openapi3 abort()s with it
    return response


def validation_error(exc):
    """flask-openapi3's hook for pydantic validation errors -> 400 with field details."""
    details = [
        {"field": ".".join(str(part) for part in err["loc"]) or "body", "message": err["msg"]}
        for err in exc.errors()
    ]
    return error_response(400, "invalid request", details)


def install(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.error("unhandled error", exc_info=exc)
        # Transient backends (Firestore, bucket) surface here: the caller may retry.
        return error_response(503, "temporarily unavailable, retry later")
