"""OpenAPI 3.1 description of the model service, served at /openapi.json (tests keep it true).

The response schemas come from the pydantic models in :mod:`mediacore.schema`."""

from mediacore.schema import AnalyzeResponse, LogoCheck, OcrResponse, TranscribeResponse

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
        }
    },
}


def _components() -> dict:
    """The result models' JSON schemas (mediacore.schema) as OpenAPI components."""
    components = {"Error": ERROR}
    for model in (AnalyzeResponse, LogoCheck, TranscribeResponse, OcrResponse):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return components


def _multipart(required: list[str], properties: dict) -> dict:
    """A required multipart/form-data request body with these parts."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _answer(description: str, model: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
    }


DEADLINE = {
    "name": "X-Deadline",
    "in": "header",
    "required": False,
    "description": "Unix seconds after which the caller no longer waits: a call still "
    "waiting then is dropped unrun",
    "schema": {"type": "number"},
}


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Media Analyzer model service", "version": "1.0.0"},
    "paths": {
        "/v1/analyze": {
            "post": {
                "summary": "Detect objects, logos, scene and brand labels in a batch of frames",
                "requestBody": _multipart(
                    required=["frame"],
                    properties={
                        "frame": {
                            "type": "array",
                            "items": {"type": "string", "contentMediaType": "image/jpeg"},
                        },
                        "tasks": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "description": '{"objects": bool, "logos": bool, '
                            '"scene_labels": [str], "brands": [str], "library_version": str}',
                        },
                    },
                ),
                "responses": {
                    "200": {
                        "description": "Results per frame, in request order",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AnalyzeResponse"}
                            }
                        },
                    },
                    "400": _error("Not JPEG, damaged, no frames, or bad tasks"),
                    "413": _error("Too many frames, frame too large, or request too large"),
                    "503": _error("Models loading or queue full; see Retry-After"),
                },
            }
        },
        "/v1/transcribe": {
            "post": {
                "summary": "The words of an audio window (Whisper base), with their times",
                "parameters": [DEADLINE],
                "requestBody": _multipart(
                    required=["audio"],
                    properties={
                        "audio": {
                            "type": "string",
                            "format": "binary",
                            "description": "WAV or any audio file FFmpeg decodes; at most "
                            "MA_SPEECH_MAX_AUDIO_S seconds",
                        },
                        "options": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "description": '{"hotwords": [str], "language": str | null} '
                            "(language: an ISO 639-1 code, null to detect; default "
                            "MA_SPEECH_LANGUAGE)",
                        },
                    },
                ),
                "responses": {
                    "200": _answer(
                        "Words with start/end in seconds from the window's start; none "
                        "where the voice-activity detector found no speech",
                        "TranscribeResponse",
                    ),
                    "400": _error("No audio part, not audio, or bad options"),
                    "413": _error("Audio longer than allowed, or request too large"),
                    "503": _error(
                        "Model loading (Retry-After), disabled or unavailable, busy, or the "
                        "caller's deadline passed before the call ran"
                    ),
                },
            }
        },
        "/v1/ocr": {
            "post": {
                "summary": "Text lines in frames (rapidocr), with boxes",
                "parameters": [DEADLINE],
                "requestBody": _multipart(
                    required=["frame"],
                    properties={
                        "frame": {
                            "type": "array",
                            "items": {"type": "string", "contentMediaType": "image/jpeg"},
                        },
                        "options": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "description": '{"min_score": number 0-1} (default MA_OCR_MIN_SCORE)',
                        },
                    },
                ),
                "responses": {
                    "200": _answer("Text lines per frame, in request order", "OcrResponse"),
                    "400": _error("Not JPEG, damaged, no frames, or bad options"),
                    "413": _error("Too many frames, frame too large, or request too large"),
                    "503": _error(
                        "Model loading (Retry-After), disabled or unavailable, busy, or the "
                        "caller's deadline passed before the call ran"
                    ),
                },
            }
        },
        "/v1/logos/check": {
            "post": {
                "summary": "Check a reference logo: render it into test scenes and look for it",
                "requestBody": _multipart(
                    required=["file"], properties={"file": {"type": "string", "format": "binary"}}
                ),
                "responses": {
                    "200": {
                        "description": "The verdict: usable, quality, found of trials, why not",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/LogoCheck"}
                            }
                        },
                    },
                    "400": _error("No file, or not an image"),
                },
            }
        },
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Up"}}}},
        "/readyz": {
            "get": {
                "summary": "Readiness: models loaded, which ones, on which device",
                "responses": {
                    "200": {"description": "Ready"},
                    "503": {
                        "description": "Loading, or a GPU is expected (MA_GPU_EXPECTED) and "
                        "not used: `reason` says why"
                    },
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {"200": {"description": "Metrics"}},
            }
        },
    },
    "components": {"schemas": _components()},
}
