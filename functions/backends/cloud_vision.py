"""Cloud Vision backend: object localization, logo and label detection per frame.

Uses google-cloud-vision's ``batch_annotate_images`` (at most 16 images per
call, the API's limit) over the REST transport, which is what Cloud Run
functions reach most cheaply and what a test can stand in for at the HTTP wire
(``MA_CLOUD_VISION_ENDPOINT=http://127.0.0.1:PORT``).

Mapping onto the segment schema shared with the local models:

- localized objects -> detections ``kind: object``; their normalised vertices
  become ``box`` [x, y, w, h];
- logos -> detections ``kind: logo``; Vision gives pixel vertices of the image
  we sent, so they are divided by its size. A logo whose name matches a
  configured brand (case and punctuation aside) takes that brand's spelling,
  so totals join across backends;
- labels -> ``scene`` (top 5);
- on-screen text (``read_text``, a separate TEXT_DETECTION call on the few frames OCR
  reads): Vision's word annotations, grouped into lines (words side by side on one
  baseline), become :class:`TextLine` s with pixel boxes divided by the image size.
  Vision gives no confidence per word here: lines score 1.0. Speech is not a Vision
  feature: with this backend the speech signal reports "unavailable".

Errors: quota, unavailability and timeouts are transient
(:class:`BackendUnavailable`, the event comes back); any other refusal of the
request, or every frame answered with an error, is permanent for these bytes
(:class:`BackendRejected`, the segment fails with the reason and a backfill can
redo it once the cause is fixed). All calls of a segment share one budget
(MA_MODEL_BUDGET_S); none starts without a second left, so the function answers
inside its own deadline.
"""

from __future__ import annotations

import logging
import re
import time

import numpy as np
from google.api_core import exceptions as api_errors
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials

from functions.backends.base import MIN_TRY_S, BackendResult, to_jpeg
from functions.errors import BackendRejected, BackendUnavailable
from mediacore.schema import Detection, FrameLabels, LabelScore, OcrFrame, OcrResponse, TextLine
from mediacore.settings import Settings

log = logging.getLogger(__name__)

MAX_IMAGES_PER_CALL = 16
TRANSIENT = (
    api_errors.TooManyRequests,
    api_errors.ServiceUnavailable,
    api_errors.InternalServerError,
    api_errors.DeadlineExceeded,
    api_errors.GatewayTimeout,
    api_errors.BadGateway,
)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _box(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs = [min(max(x, 0.0), 1.0) for x, _ in points]
    ys = [min(max(y, 0.0), 1.0) for _, y in points]
    x, y = min(xs), min(ys)
    return (x, y, max(xs) - x, max(ys) - y)


class CloudVisionBackend:
    def __init__(self, settings: Settings, client=None):
        from google.cloud import vision

        self._vision = vision
        analysis = settings.analysis
        self._max_results = analysis.cloud_vision_max_results
        self._timeout = analysis.cloud_vision_timeout_s
        self._budget = analysis.model_budget_s
        self._brands = {_key(b): b for b in analysis.brands}
        if client is None:
            endpoint = analysis.cloud_vision_endpoint
            local = bool(endpoint and endpoint.startswith("http://"))
            client = vision.ImageAnnotatorClient(
                transport="rest",
                client_options=ClientOptions(api_endpoint=endpoint) if endpoint else None,
                # A plain-http endpoint is a local stand-in: no Google credentials.
                credentials=AnonymousCredentials() if local else None,
            )
        self._client = client

    def analyze(
        self,
        images: list[np.ndarray],
        brands: list[str] | None = None,
        library_version=None,
        budget_s: float | None = None,
    ) -> BackendResult:
        # Cloud Vision knows logos itself; our reference library is not used (library_version).
        names = self._brands if brands is None else {_key(b): b for b in brands}
        frames: list[FrameLabels] = []
        warnings: list[str] = []
        ends = time.monotonic() + (
            self._budget if budget_s is None else min(self._budget, budget_s)
        )
        for start in range(0, len(images), MAX_IMAGES_PER_CALL):
            chunk = images[start : start + MAX_IMAGES_PER_CALL]
            left = ends - time.monotonic()
            if left < MIN_TRY_S:
                raise BackendUnavailable("Cloud Vision: the segment's model budget is spent")
            answers = self._call(chunk, min(self._timeout, left))
            for offset, (image, answer) in enumerate(zip(chunk, answers, strict=True)):
                if answer.error.message:
                    warnings.append(f"frame {start + offset}: {answer.error.message}")
                    frames.append(FrameLabels())
                else:
                    frames.append(self._labels(answer, image.shape[1], image.shape[0], names))
        if images and len(warnings) == len(images):
            raise BackendRejected(f"Cloud Vision refused every frame: {warnings[0]}")
        return BackendResult(frames, "cloud-vision", warnings)

    def read_text(
        self, images: list[np.ndarray], min_score: float = 0.0, budget_s: float | None = None
    ) -> OcrResponse:
        """Lines of text per frame (TEXT_DETECTION), in order."""
        ends = time.monotonic() + (
            self._budget if budget_s is None else min(self._budget, budget_s)
        )
        frames: list[OcrFrame] = []
        for start in range(0, len(images), MAX_IMAGES_PER_CALL):
            chunk = images[start : start + MAX_IMAGES_PER_CALL]
            left = ends - time.monotonic()
            if left < MIN_TRY_S:
                raise BackendUnavailable("Cloud Vision: the segment's model budget is spent")
            kinds = (self._vision.Feature.Type.TEXT_DETECTION,)
            answers = self._call(chunk, min(self._timeout, left), kinds)
            for image, answer in zip(chunk, answers, strict=True):
                height, width = image.shape[:2]
                words = [
                    (
                        w.description,
                        _box([(v.x / width, v.y / height) for v in w.bounding_poly.vertices]),
                    )
                    for w in list(answer.text_annotations)[1:]  # [0] is the whole text
                    if w.bounding_poly.vertices and w.description.strip()
                ]
                frames.append(OcrFrame(lines=text_lines(words)))
        return OcrResponse(frames=frames, model="cloud-vision:text")

    def _call(self, chunk: list[np.ndarray], timeout: float, kinds=None):
        vision = self._vision
        kinds = kinds or (
            vision.Feature.Type.OBJECT_LOCALIZATION,
            vision.Feature.Type.LOGO_DETECTION,
            vision.Feature.Type.LABEL_DETECTION,
        )
        features = [vision.Feature(type_=kind, max_results=self._max_results) for kind in kinds]
        requests = [
            vision.AnnotateImageRequest(image=vision.Image(content=to_jpeg(im)), features=features)
            for im in chunk
        ]
        try:
            response = self._client.batch_annotate_images(
                requests=requests, timeout=timeout, retry=None
            )
        except TRANSIENT as exc:
            raise BackendUnavailable(f"Cloud Vision unavailable: {exc}") from exc
        except api_errors.GoogleAPICallError as exc:
            raise BackendRejected(f"Cloud Vision refused the request: {exc}") from exc
        except Exception as exc:  # connection refused, DNS: transport-level, transient
            raise BackendUnavailable(f"no answer from Cloud Vision: {exc}") from exc
        if len(response.responses) != len(chunk):
            raise BackendUnavailable(
                f"Cloud Vision answered {len(response.responses)} results for {len(chunk)} frames"
            )
        return response.responses

    def _labels(self, answer, width: int, height: int, brands: dict[str, str]) -> FrameLabels:
        detections = [
            Detection(
                label=obj.name.lower(),
                score=obj.score,
                box=_box([(v.x, v.y) for v in obj.bounding_poly.normalized_vertices]),
                kind="object",
                source="cloud-vision",
            )
            for obj in answer.localized_object_annotations
            if obj.bounding_poly.normalized_vertices
        ]
        for logo in answer.logo_annotations:
            vertices = logo.bounding_poly.vertices
            if not vertices:
                continue
            detections.append(
                Detection(
                    label=brands.get(_key(logo.description), logo.description),
                    score=logo.score,
                    box=_box([(v.x / width, v.y / height) for v in vertices]),
                    kind="logo",
                    source="cloud-vision",
                )
            )
        scene = [
            LabelScore(label=label.description.lower(), score=round(label.score, 4))
            for label in answer.label_annotations[:5]
        ]
        return FrameLabels(detections=detections, scene=scene)


def text_lines(words: list[tuple[str, tuple[float, float, float, float]]]) -> list[TextLine]:
    """Words (text, box) grouped into lines: a word joins the line whose last word ends
    just left of it on the same baseline (vertical overlap over half the smaller height,
    gap under twice the word height), in reading order."""
    lines: list[list[tuple[str, tuple[float, float, float, float]]]] = []
    for text, box in sorted(words, key=lambda w: (round(w[1][1], 2), w[1][0])):
        x, y, _, h = box
        for line in lines:
            lx, ly, lw, lh = line[-1][1]
            overlap = min(y + h, ly + lh) - max(y, ly)
            gap = x - (lx + lw)
            if overlap > 0.5 * min(h, lh) and -0.5 * h <= gap <= 2.0 * max(h, lh):
                line.append((text, box))
                break
        else:
            lines.append([(text, box)])
    out = []
    for line in lines:
        x0 = min(b[0] for _, b in line)
        y0 = min(b[1] for _, b in line)
        x1 = max(b[0] + b[2] for _, b in line)
        y1 = max(b[1] + b[3] for _, b in line)
        text = " ".join(t for t, _ in line)
        out.append(TextLine(text=text, score=1.0, box=(x0, y0, x1 - x0, y1 - y0)))
    return out
