"""OpenAPI 3.1 description of the model service, served at /openapi.json (tests keep it true)."""

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
LABEL_SCORE = {
    "type": "object",
    "required": ["label", "score"],
    "properties": {"label": {"type": "string"}, "score": {"type": "number"}},
}
DETECTION = {
    "type": "object",
    "required": ["label", "score", "box", "kind", "source"],
    "properties": {
        "label": {"type": "string"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "box": {
            "type": "array",
            "description": "x, y, width, height; normalised 0-1, origin top-left",
            "items": {"type": "number", "minimum": 0, "maximum": 1},
            "minItems": 4,
            "maxItems": 4,
        },
        "kind": {"type": "string", "enum": ["object", "logo"]},
        "source": {"type": "string", "description": "model or method that found it"},
    },
}
ANALYZE_RESPONSE = {
    "type": "object",
    "required": ["frames", "models", "warnings"],
    "properties": {
        "frames": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["detections", "scene", "brands"],
                "properties": {
                    "detections": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Detection"},
                    },
                    "scene": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/LabelScore"},
                    },
                    "brands": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/LabelScore"},
                    },
                },
            },
        },
        "models": {"$ref": "#/components/schemas/Models"},
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
}
MODELS = {
    "type": "object",
    "required": ["detector", "clip", "logos"],
    "properties": {
        "detector": {"type": "object"},
        "clip": {"type": "object"},
        "logos": {
            "type": "object",
            "required": ["brands", "references"],
            "properties": {
                "brands": {"type": "array", "items": {"type": "string"}},
                "references": {"type": "integer"},
            },
        },
    },
}


def _multipart(required: list[str], properties: dict) -> dict:
    """A required multipart/form-data request body with these parts."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
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
        "/v1/logos/check": {
            "post": {
                "summary": "Check a reference logo: render it into test scenes and look for it",
                "requestBody": _multipart(
                    required=["file"], properties={"file": {"type": "string", "format": "binary"}}
                ),
                "responses": {
                    "200": {
                        "description": "The verdict: usable, quality, found of trials, why not",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": _error("No file, or not an image"),
                },
            }
        },
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Up"}}}},
        "/readyz": {
            "get": {
                "summary": "Readiness: models loaded, which ones",
                "responses": {"200": {"description": "Ready"}, "503": {"description": "Loading"}},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {"200": {"description": "Metrics"}},
            }
        },
    },
    "components": {
        "schemas": {
            "Error": ERROR,
            "Detection": DETECTION,
            "LabelScore": LABEL_SCORE,
            "Models": MODELS,
            "AnalyzeResponse": ANALYZE_RESPONSE,
        }
    },
}
