"""``local``: gpu_service over HTTP, every sampled frame of the segment in one request
(JPEG, multipart), with retries and backoff on 5xx/503 or no answer, all within one
budget (MA_MODEL_BUDGET_S, less if the analysis has less left): each try gets what is
left and tells gpu_service when it stops waiting (``X-Deadline``), so a job it gave up
on is dropped there instead of run. When the budget is spent, :class:`BackendUnavailable`
is raised: a transient failure, so the event is delivered again later, in time.
"""

from __future__ import annotations

import json
import logging
import time

import numpy as np
import requests

from functions.backends.base import MIN_TRY_S, BackendResult, to_jpeg
from functions.errors import BackendRejected, BackendUnavailable
from mediacore.schema import (
    DEADLINE_HEADER,
    AnalyzeResponse,
    LogoCheck,
    OcrResponse,
    TranscribeResponse,
)
from mediacore.settings import Settings

log = logging.getLogger(__name__)


class LocalBackend:
    """Client of gpu_service's POST /v1/analyze."""

    def __init__(self, settings: Settings, session: requests.Session | None = None):
        analysis = settings.analysis
        self._base = analysis.gpu_service_url.rstrip("/")
        self._url = self._base + "/v1/analyze"
        self._timeout = analysis.gpu_timeout_s
        self._retries = analysis.gpu_retries
        self._budget = analysis.model_budget_s
        self._scene_labels = analysis.scene_labels
        self._brands = analysis.brands
        self._session = session or requests.Session()
        self._auth = analysis.gpu_service_auth
        self._audience = analysis.gpu_service_url.rstrip("/")
        self._token: tuple[float, str] | None = None

    def _headers(self) -> dict[str, str]:
        """An ID token for gpu_service where it sits behind IAM (Cloud Run); cached by
        google-auth until shortly before it expires."""
        if not self._auth:
            return {}
        from google.auth.transport.requests import Request
        from google.oauth2 import id_token

        now = time.monotonic()
        if self._token is None or now > self._token[0]:
            token = id_token.fetch_id_token(Request(), self._audience)
            self._token = (now + 1800, token)  # tokens live an hour; renew at half-life
        return {"Authorization": f"Bearer {self._token[1]}"}

    def analyze(
        self,
        images: list[np.ndarray],
        brands: list[str] | None = None,
        library_version: str | None = None,
        budget_s: float | None = None,
    ) -> BackendResult:
        tasks = {
            "objects": True,
            "logos": True,
            "scene_labels": self._scene_labels,
            "brands": self._brands if brands is None else brands,
        }
        if library_version:
            tasks["library_version"] = library_version
        tasks = json.dumps(tasks)
        files = [("frame", (f"{i}.jpg", to_jpeg(im), "image/jpeg")) for i, im in enumerate(images)]
        body = self._post(self._url, files, {"tasks": tasks}, budget_s, "the frames")
        return self._parse(body)

    def transcribe(
        self,
        wav: bytes,
        hotwords: list[str],
        language: str | None,
        budget_s: float | None = None,
    ) -> TranscribeResponse:
        """The words of one audio window (POST /v1/transcribe), times from its start."""
        options = json.dumps({"hotwords": hotwords, "language": language})
        files = [("audio", ("window.wav", wav, "audio/wav"))]
        url = self._base + "/v1/transcribe"
        body = self._post(url, files, {"options": options}, budget_s, "the audio")
        return TranscribeResponse.model_validate(body)

    def read_text(
        self, images: list[np.ndarray], min_score: float, budget_s: float | None = None
    ) -> OcrResponse:
        """Lines of text per frame (POST /v1/ocr), in order."""
        files = [
            ("frame", (f"{i}.jpg", to_jpeg(im, 90), "image/jpeg")) for i, im in enumerate(images)
        ]
        options = json.dumps({"min_score": min_score})
        url = self._base + "/v1/ocr"
        body = self._post(url, files, {"options": options}, budget_s, "the frames")
        return OcrResponse.model_validate(body)

    def _post(self, url: str, files, data: dict, budget_s: float | None, what: str) -> dict:
        """POST with retries and backoff on 5xx or no answer, all within the budget."""
        budget = self._budget if budget_s is None else min(self._budget, budget_s)
        ends = time.monotonic() + budget
        delay, tries, problem = 0.5, 0, f"no time left for {url}"
        while tries <= self._retries and ends - time.monotonic() >= MIN_TRY_S:
            if tries:
                log.warning("%s; retry %d/%d in %.1f s", problem, tries, self._retries, delay)
                time.sleep(delay)
                delay *= 2
            timeout = min(self._timeout, ends - time.monotonic())
            headers = {**self._headers(), DEADLINE_HEADER: f"{time.time() + timeout:.3f}"}
            tries += 1
            try:
                response = self._session.post(
                    url, files=files, data=data, headers=headers, timeout=timeout
                )
            except requests.RequestException as exc:
                problem = f"no answer from {url}: {exc}"
            else:
                if response.status_code == 200:
                    return response.json()
                if response.status_code < 500:
                    # Our request is wrong: retrying the same bytes will not help.
                    raise BackendRejected(f"model service refused {what}: {response.text[:300]}")
                problem = f"gpu_service answered {response.status_code}"
            if ends - time.monotonic() - delay < MIN_TRY_S:
                break  # no time for another try after the backoff
        raise BackendUnavailable(f"{problem} ({tries} tries within {budget:.0f} s)")

    def check_logo(self, data: bytes, filename: str) -> LogoCheck:
        """The model service's verdict on a reference logo (POST /v1/logos/check): whether
        its detector finds it in test scenes. Raises BackendUnavailable / BackendRejected."""
        url = self._url.rsplit("/v1/", 1)[0] + "/v1/logos/check"
        try:
            response = self._session.post(
                url, files={"file": (filename, data)}, headers=self._headers(), timeout=120
            )
        except requests.RequestException as exc:
            raise BackendUnavailable(f"no answer from {url}: {exc}") from exc
        if response.status_code == 400:
            raise BackendRejected(response.json().get("error", {}).get("message", response.text))
        if response.status_code != 200:
            raise BackendUnavailable(f"{url} answered {response.status_code}")
        return LogoCheck.model_validate(response.json())

    @staticmethod
    def _parse(body: dict) -> BackendResult:
        answer = AnalyzeResponse.model_validate(body)
        label = answer.models.detector.get("model", "no-detector")
        return BackendResult(answer.frames, label, answer.warnings)
