"""The model service's HTTP API (Flask).

    POST /v1/analyze   multipart/form-data: one or more ``frame`` parts (JPEG) and an
                       optional ``tasks`` part (JSON): {"objects": true, "logos": true,
                       "scene_labels": [...], "brands": [...]}
    POST /v1/transcribe multipart/form-data: an ``audio`` part (WAV or any file FFmpeg
                       decodes) and an optional ``options`` field (JSON): {"hotwords":
                       [...], "language": "en" | null}; answers TranscribeResponse
    POST /v1/ocr       multipart/form-data: ``frame`` parts (JPEG) and an optional
                       ``options`` field (JSON): {"min_score": 0.5}; answers OcrResponse
    GET  /healthz      the process answers
    GET  /readyz       models loaded (503 until then); which detector, CLIP, logo library,
                       on which device; 503 with a reason when a GPU is expected and unused
    GET  /metrics      Prometheus
    GET  /openapi.json this API, described

Input is checked before it costs anything: a request that is not JPEG frames,
has none or too many, or is too large gets a 4xx with a JSON error that names
the problem; frames larger than the configured side are downscaled. A full
batching queue answers 503 with Retry-After. A request whose caller's deadline
(``X-Deadline``, Unix seconds) passes before its batch runs is dropped unrun and
answered 504: the caller has already given up and will send the segment again.

Transcription and OCR each run one call at a time on a worker of their own (a
DynamicBatcher of one job), beside the frame batches: a call whose deadline passes
while it waits is dropped unrun and answered 503, as is one sent while its model is
loading, disabled (MA_SPEECH_ENABLED, MA_OCR_ENABLED) or failed to load.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time

import cv2
import numpy as np
from flask import Flask, jsonify, request
from PIL import Image
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gpu_service.batching import DeadlineExceeded, DynamicBatcher, QueueFull
from gpu_service.config import ServiceConfig
from gpu_service.metrics import ServiceMetrics
from gpu_service.models import Models, Tasks
from gpu_service.ocr import TextReader
from gpu_service.openapi import OPENAPI
from gpu_service.speech import AudioTooLong, BadAudio, Transcriber, decode_audio
from mediacore.schema import (
    DEADLINE_HEADER,
    AnalyzeResponse,
    FrameLabels,
    OcrFrame,
    OcrResponse,
)

log = logging.getLogger(__name__)

JPEG_MAGIC = b"\xff\xd8\xff"
MAX_LABELS = 200


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def parse_tasks(raw: str | None) -> Tasks:
    if not raw:
        return Tasks()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"'tasks' is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest("'tasks' must be a JSON object")
    unknown = set(data) - {"objects", "logos", "scene_labels", "brands", "library_version"}
    if unknown:
        raise BadRequest(f"unknown task field(s): {sorted(unknown)}")
    tasks = Tasks(
        objects=data.get("objects", True),
        logos=data.get("logos", True),
        scene_labels=data.get("scene_labels", []),
        brands=data.get("brands", []),
        library_version=data.get("library_version"),
    )
    if tasks.library_version is not None and not isinstance(tasks.library_version, str):
        raise BadRequest("'library_version' must be a string")
    for name in ("scene_labels", "brands"):
        labels = getattr(tasks, name)
        if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
            raise BadRequest(f"'{name}' must be a list of non-empty strings")
        if len(labels) > MAX_LABELS:
            raise BadRequest(f"'{name}' has {len(labels)} labels; at most {MAX_LABELS}")
    if not isinstance(tasks.objects, bool) or not isinstance(tasks.logos, bool):
        raise BadRequest("'objects' and 'logos' must be true or false")
    return tasks


def parse_options(raw: str | None, known: set[str]) -> dict:
    """A request's ``options`` form field: a JSON object with only ``known`` keys."""
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"'options' is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest("'options' must be a JSON object")
    unknown = set(data) - known
    if unknown:
        raise BadRequest(f"unknown option(s): {sorted(unknown)}; known: {sorted(known)}")
    return data


def parse_speech_options(raw: str | None, speech: Transcriber) -> tuple[list[str], str | None]:
    """(hotwords, language) of a transcription request; language None = detect."""
    options = parse_options(raw, {"hotwords", "language"})
    hotwords = options.get("hotwords", [])
    if not isinstance(hotwords, list) or not all(
        isinstance(w, str) and w.strip() for w in hotwords
    ):
        raise BadRequest("'hotwords' must be a list of non-empty strings")
    if len(hotwords) > MAX_LABELS:
        raise BadRequest(f"'hotwords' has {len(hotwords)} terms; at most {MAX_LABELS}")
    language = options.get("language", speech.config.language)
    if language is not None and (not isinstance(language, str) or not speech.supports(language)):
        raise BadRequest(f"'language' {language!r} is not a Whisper language code (or null)")
    return [w.strip() for w in hotwords], language


def parse_ocr_options(raw: str | None, default: float) -> float:
    """The minimum recognition score of an OCR request."""
    score = parse_options(raw, {"min_score"}).get("min_score", default)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise BadRequest("'min_score' must be a number from 0 to 1")
    return float(score)


# cv2.imdecode can decode a JPEG at 1/2, 1/4 or 1/8 size directly (DCT scaling),
# several times faster than a full decode followed by a resize.
REDUCED_DECODE = {
    1: cv2.IMREAD_COLOR,
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}


def decode_frame(data: bytes, index: int, limits, needed_side: int | None = None) -> np.ndarray:
    """RGB pixels of a JPEG frame, decoded no larger than the models need (``needed_side``)."""
    if not data.startswith(JPEG_MAGIC):
        raise BadRequest(f"frame {index} is not a JPEG image")
    try:
        # Pillow reads only the header here: refuse a decompression bomb before decoding.
        width, height = Image.open(io.BytesIO(data), formats=["JPEG"]).size
    except Exception as exc:  # whatever Pillow makes of bad bytes, it is a 400
        raise BadRequest(f"frame {index} is a damaged JPEG") from exc
    if width * height > limits.max_pixels:
        raise BadRequest(f"frame {index} is larger than {limits.max_pixels} pixels", 413)
    target = min(limits.max_side, needed_side or limits.max_side)
    reduction = max(r for r in REDUCED_DECODE if max(width, height) / r >= target or r == 1)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), REDUCED_DECODE[reduction])
    if image is None:
        raise BadRequest(f"frame {index} is a damaged JPEG")
    scale = limits.max_side / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def create_app(
    config: ServiceConfig,
    models: Models | None = None,
    load_async: bool = True,
    speech: Transcriber | None = None,
    ocr: TextReader | None = None,
):
    """The service. ``speech`` and ``ocr`` may be passed in already loaded (tests share
    them); otherwise they load beside the frame models, in the background with
    ``load_async``."""
    app = Flask("gpu_service")
    app.config["MAX_CONTENT_LENGTH"] = config.limits.max_request_bytes
    metrics = ServiceMetrics()
    models = models or Models(config, metrics)
    batcher = DynamicBatcher(
        models.run_batch,
        max_batch=config.batching.max_batch,
        max_wait_s=config.batching.max_wait_ms / 1000,
        max_queue=config.batching.max_queue_frames,
        on_batch=metrics.observe_batch,
        on_expired=metrics.expired.inc,
    )
    speech = speech or Transcriber(config.speech)
    ocr = ocr or TextReader(config.ocr)
    # One call at a time each (the models use every thread they are given); queued calls
    # whose caller gave up are dropped unrun.
    speech_worker = DynamicBatcher(
        lambda jobs: [speech.transcribe(*job) for job in jobs],
        max_batch=1,
        max_wait_s=0,
        max_queue=config.speech.max_queue,
        on_expired=metrics.expired.inc,
    )
    ocr_worker = DynamicBatcher(
        lambda jobs: [ocr.read(*job) for job in jobs],
        max_batch=1,
        max_wait_s=0,
        max_queue=config.ocr.max_queue_frames,
        on_expired=metrics.expired.inc,
    )
    app.extensions["models"] = models
    app.extensions["batcher"] = batcher
    app.extensions["metrics"] = metrics
    app.extensions["speech"] = speech
    app.extensions["ocr"] = ocr

    def load_text_and_speech():
        for name, part in (("ocr", ocr), ("speech", speech)):
            if not part.ready:
                started = time.perf_counter()
                part.load()
                if part.available:
                    metrics.model_load_seconds.labels(name).set(time.perf_counter() - started)

    if load_async:
        if not models.ready:
            threading.Thread(target=models.load, name="model-load", daemon=True).start()
        threading.Thread(target=load_text_and_speech, name="speech-ocr-load", daemon=True).start()
    else:
        if not models.ready:
            models.load()
        load_text_and_speech()

    def error(message: str, status: int, retry_after_s: int | None = None):
        metrics.requests.labels(str(status)).inc()
        headers = {"Retry-After": str(retry_after_s)} if retry_after_s else {}
        return jsonify({"error": {"status": status, "message": message}}), status, headers

    @app.errorhandler(413)
    def too_large(_exc):
        return error(f"request larger than {config.limits.max_request_bytes} bytes", 413)

    def deadline() -> float:
        """When the caller stops waiting, on this process's monotonic clock."""
        wait = config.batching.max_job_wait_s
        try:
            wait = min(wait, float(request.headers[DEADLINE_HEADER]) - time.time())
        except (KeyError, ValueError):
            pass
        return time.monotonic() + wait

    @app.post("/v1/analyze")
    def analyze():
        started = time.perf_counter()
        ends = deadline()
        if ends <= time.monotonic():  # it waited in a backlog (a stalled server) too long
            metrics.expired.inc()
            return error("the caller's deadline has passed", 504)
        if not models.ready:
            return error("models are still loading", 503, 5)
        files = request.files.getlist("frame")
        try:
            if not files:
                raise BadRequest("no 'frame' parts: send JPEG frames as multipart/form-data")
            if len(files) > config.limits.max_frames:
                raise BadRequest(
                    f"{len(files)} frames; at most {config.limits.max_frames} per request", 413
                )
            tasks = parse_tasks(request.form.get("tasks"))
            side = models.needed_side(tasks)
            frames = [decode_frame(f.read(), i, config.limits, side) for i, f in enumerate(files)]
        except BadRequest as exc:
            return error(str(exc), exc.status)
        if tasks.logos:
            models.ensure_library(tasks.library_version)
        try:
            results = batcher.submit((frames, tasks), len(frames), deadline=ends)
        except QueueFull as exc:
            metrics.rejected.inc()
            return error(f"busy: {exc}", 503, 1)
        except DeadlineExceeded as exc:
            return error(str(exc), 504)
        metrics.queue_depth.set(batcher.depth)
        warnings = []
        if (tasks.scene_labels or tasks.brands) and models.clip is None:
            why = models.clip_error if models.clip_settled else "still loading"
            warnings.append(f"CLIP unavailable, no scene or brand labels: {why}")
        if (tasks.objects or tasks.brands) and models.detector is None:
            warnings.append(f"no object detector: {models.detector_error}")
        if tasks.logos:
            warnings += models.library_warnings()
        body = AnalyzeResponse(
            frames=[FrameLabels.model_validate(frame) for frame in results],
            models=models.status(),
            warnings=warnings,
        )
        metrics.requests.labels("200").inc()
        metrics.request_seconds.observe(time.perf_counter() - started)
        return jsonify(body.model_dump())

    def unavailable(part, what: str):
        """503 for a model that cannot take the call, with why."""
        if part.config.enabled and not part.ready:
            return error(f"the {what} model is still loading", 503, 5)
        return error(f"{what} is unavailable on this service: {part.error}", 503)

    def refuse_early(part, what: str, ends: float):
        """The 503 for a call whose deadline passed before it arrived, or whose model
        cannot take it; None when it may go on."""
        if ends <= time.monotonic():
            metrics.expired.inc()
            return error("the caller's deadline has passed", 503)
        if not part.available:
            return unavailable(part, what)
        return None

    def run_serially(worker, payload, size: int, ends: float):
        """A worker's result, or the 503 for a full queue or a deadline passed unrun."""
        try:
            return worker.submit(payload, size, deadline=ends), None
        except QueueFull as exc:
            metrics.rejected.inc()
            return None, error(f"busy: {exc}", 503, 1)
        except DeadlineExceeded as exc:
            return None, error(str(exc), 503)

    @app.post("/v1/transcribe")
    def transcribe():
        ends = deadline()
        if refused := refuse_early(speech, "speech", ends):
            return refused
        upload = request.files.get("audio")
        try:
            if upload is None:
                raise BadRequest(
                    "no 'audio' part: send the audio (WAV or any file FFmpeg decodes) as "
                    "multipart/form-data"
                )
            hotwords, language = parse_speech_options(request.form.get("options"), speech)
            audio = decode_audio(upload.read(), config.speech.max_audio_s)
        except BadRequest as exc:
            return error(str(exc), exc.status)
        except BadAudio as exc:
            return error(f"'audio': {exc}", 400)
        except AudioTooLong as exc:
            return error(f"'audio': {exc}", 413)
        result, refused = run_serially(speech_worker, (audio, hotwords, language), 1, ends)
        if refused:
            return refused
        metrics.requests.labels("200").inc()
        return jsonify(result.model_dump())

    @app.post("/v1/ocr")
    def read_text():
        ends = deadline()
        if refused := refuse_early(ocr, "OCR", ends):
            return refused
        files = request.files.getlist("frame")
        try:
            if not files:
                raise BadRequest("no 'frame' parts: send JPEG frames as multipart/form-data")
            if len(files) > config.limits.max_frames:
                raise BadRequest(
                    f"{len(files)} frames; at most {config.limits.max_frames} per request", 413
                )
            min_score = parse_ocr_options(request.form.get("options"), config.ocr.min_score)
            frames = [decode_frame(f.read(), i, config.limits) for i, f in enumerate(files)]
        except BadRequest as exc:
            return error(str(exc), exc.status)
        result, refused = run_serially(ocr_worker, (frames, min_score), len(frames), ends)
        if refused:
            return refused
        body = OcrResponse(frames=[OcrFrame(lines=lines) for lines in result], model=ocr.model)
        metrics.requests.labels("200").inc()
        return jsonify(body.model_dump())

    @app.post("/v1/logos/check")
    def check_logo():
        """Would the detector find this reference? (multipart ``file``: PNG/JPEG/WebP/SVG)"""
        from gpu_service.logo_check import check_reference
        from gpu_service.logos import decode_image

        upload = request.files.get("file")
        if upload is None:
            return error("no 'file' part: send the logo image as multipart/form-data", 400)
        suffix = "." + (upload.filename or "logo.png").rsplit(".", 1)[-1].lower()
        try:
            image = decode_image(upload.read(), suffix if suffix == ".svg" else ".png")
        except Exception as exc:  # a broken SVG or image: the uploader's problem, said plainly
            return error(f"the image cannot be read: {type(exc).__name__}: {exc}", 400)
        if image is None:
            return error("the image cannot be read", 400)
        verdict = check_reference(image, upload.filename or "upload")
        metrics.requests.labels("200").inc()
        return jsonify(verdict.to_json())

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        problems = models.gpu_problems()
        if config.gpu.expected and (problem := speech.gpu_problem()):
            problems.append(problem)
        # Ready once speech and OCR have settled too (loaded, failed or disabled; each says
        # which), so a new instance takes no call its models would refuse.
        ready = models.ready and speech.ready and ocr.ready and not problems
        body = {"ready": ready, **models.status(), "speech": speech.status(), "ocr": ocr.status()}
        body["gpu"] = {"expected": config.gpu.expected, **models.accelerator}
        if problems:
            body["reason"] = "a GPU is expected (MA_GPU_EXPECTED) but not used: " + "; ".join(
                problems
            )
        return jsonify(body), (200 if ready else 503)

    @app.get("/metrics")
    def prometheus():
        metrics.queue_depth.set(batcher.depth)
        return generate_latest(metrics.registry), 200, {"Content-Type": CONTENT_TYPE_LATEST}

    @app.get("/openapi.json")
    def openapi():
        return jsonify(OPENAPI)

    return app
