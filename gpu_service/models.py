"""The loaded models and one batched analysis pass over the frames of many requests.

Per batch: one detector call over every frame that wants objects (or brand
crops), one CLIP image-embedding call over every frame that wants scene or
brand labels, one more over the crops of person-held items (YOLO finds the
object, CLIP names the brand), and the logo matcher per frame. Label sets
differ per request, so only the text side is per request (and cached).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from gpu_service import gpu_check
from gpu_service.clip_model import BRAND_TEMPLATES, SCENE_TEMPLATES, ClipModel
from gpu_service.config import ServiceConfig
from gpu_service.detections import Detection
from gpu_service.detectors import ModelUnavailable, create_detector
from gpu_service.logos import LogoMatcher

log = logging.getLogger(__name__)

# Objects people hold or wear, whose crops CLIP checks for a brand. A person's
# crop is their upper body: the shirt.
BRAND_CARRIERS = {
    "cell phone",
    "cup",
    "bottle",
    "laptop",
    "wine glass",
    "handbag",
    "backpack",
    "tie",
    "sports ball",
    "person",
}
NO_BRAND = "no particular brand"
MIN_CROP_PX = 24


@dataclass
class Tasks:
    objects: bool = True
    logos: bool = True
    scene_labels: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    library_version: str | None = None


class Models:
    def __init__(self, config: ServiceConfig, metrics=None, store=None):
        self.config = config
        self.detector = self.clip = None
        self.detector_error = self.clip_error = None
        self.logos = LogoMatcher()
        self._references: dict = {}  # (object, generation) -> built reference, reused on rebuild
        self._library_lock = threading.Lock()
        self.library_version = ""  # what the caller last said the library is (see ensure_library)
        self._metrics = metrics
        self._store = store
        self._logo_listing: frozenset = frozenset()
        self.ready = False
        self.clip_settled = False  # CLIP loaded, or known to be unavailable
        self.accelerator: dict = {}  # gpu_check.probe(): torch's CUDA, OpenCV's CUDA

    def load(self) -> None:
        """Detector and logos first: the service is ready with them. CLIP (large, and slow
        to give up offline) comes after, reported as loading meanwhile."""
        self._timed("detector", self._load_detector)
        self.accelerator = gpu_check.probe()
        self._timed("logos", self._load_logos)
        self.ready = True
        if self.config.clip.enabled:
            self._timed("clip", self._load_clip)
        else:
            self.clip_error = "disabled by config"
        self.clip_settled = True
        for problem in self.gpu_problems():
            log.error("a GPU is expected (MA_GPU_EXPECTED) but not used: %s", problem)

    def gpu_problems(self) -> list[str]:
        """Why the GPU this instance expects is not used (empty when it is or none is)."""
        if not self.ready:
            return []
        return gpu_check.problems(self.config.gpu.expected, self.accelerator, self.status())

    def _timed(self, name, load) -> None:
        started = time.perf_counter()
        load()
        if self._metrics:
            self._metrics.model_load_seconds.labels(name).set(time.perf_counter() - started)

    def _load_detector(self) -> None:
        try:
            self.detector = create_detector(self.config.detector)
        except ModelUnavailable as exc:
            self.detector_error = str(exc)
            log.error("no object detector: %s", exc)

    def _load_clip(self) -> None:
        clip = self.config.clip
        try:
            self.clip = ClipModel(clip.model, clip.weights, clip.device)
        except (ModelUnavailable, ImportError) as exc:
            self.clip_error = str(exc)
            log.warning("CLIP unavailable, scene and brand labels are off: %s", exc)

    def _load_logos(self) -> None:
        self.logos = self._build_logos()
        if self.config.logos.bucket_prefix and self.config.logos.refresh_s > 0:
            threading.Thread(target=self._refresh_logos, name="logo-refresh", daemon=True).start()

    def _logo_store(self):
        if self._store is None and self.config.logos.bucket_prefix:
            from mediacore.settings import get_settings
            from mediacore.storage import open_store

            self._store = open_store(get_settings())
        return self._store

    def _bucket_listing(self) -> frozenset:
        prefix = self.config.logos.bucket_prefix
        if not prefix:
            return frozenset()
        try:
            return frozenset((o.name, o.generation) for o in self._logo_store().list(prefix))
        except Exception:
            log.exception("logo library: bucket %s not listed", prefix)
            return self._logo_listing

    def _build_logos(self) -> LogoMatcher:
        from pathlib import Path

        logos = LogoMatcher()
        folder = self.config.logos.folder
        if folder and Path(folder).is_dir():
            logos.load_folder(Path(folder))
        if self.config.logos.bucket_prefix:
            try:
                self._load_bucket_logos(logos)
            except Exception:
                log.exception("logo library: bucket references not loaded")
        log.info("logo library: %d references, brands %s", len(logos.references), logos.brands)
        return logos

    def _load_bucket_logos(self, logos: LogoMatcher) -> None:
        """Bucket references, each built once per generation: a rebuild after one upload
        costs one reference, not the library."""
        prefix = self.config.logos.bucket_prefix
        store = self._logo_store()
        cache, listing = {}, set()
        for obj in store.list(prefix):
            key = (obj.name, obj.generation)
            listing.add(key)
            parts = obj.name[len(prefix) :].split("/")
            if len(parts) != 2:
                continue
            if key not in self._references:
                scratch = LogoMatcher()
                read = partial(store.read, obj.name)
                scratch.load_entry(parts[0], parts[1], read, size=obj.size)
                self._references[key] = scratch
            cache[key] = self._references[key]
            logos.merge(cache[key])
        self._references = cache
        # The listing this library was built from: the refresh loop compares against it.
        self._logo_listing = frozenset(listing)

    def ensure_library(self, version: str | None) -> None:
        """Rebuild the logo library before this batch when the caller's library version
        (changed by every upload or delete) differs from the one loaded: an upload counts
        from the next segment, not after a polling interval."""
        if not version or version == self.library_version or not self.ready:
            return
        with self._library_lock:
            if version != self.library_version:
                self._timed("logos", lambda: setattr(self, "logos", self._build_logos()))
                self.library_version = version

    def _refresh_logos(self) -> None:
        """Pick up logos the control API added or removed: rebuild when the listing changes,
        then swap the matcher in one assignment (requests in flight keep the old one)."""
        while True:
            time.sleep(self.config.logos.refresh_s)
            listing = self._bucket_listing()
            if listing != self._logo_listing:
                with self._library_lock:
                    self._timed("logos", lambda: setattr(self, "logos", self._build_logos()))

    def library_warnings(self) -> list[str]:
        """Reference images the library holds but cannot use, each with the reason."""
        return [
            f"logo reference {name} is not used: {why}"
            for name, why in sorted(self.logos.rejected.items())
        ]

    def needed_side(self, tasks: Tasks) -> int | None:
        """The largest frame side any model asked for will look at (None: full size)."""
        sides = []
        if (tasks.objects or tasks.brands) and self.detector:
            sides.append(self.detector.input_side)
        if tasks.brands:
            return None  # brand crops of small objects want every pixel
        if tasks.scene_labels and self.clip:
            sides.append(224)
        if tasks.logos and self.logos.references:
            sides.append(self.logos.max_side)
        return max(sides, default=None)

    def status(self) -> dict:
        if not self.ready:
            return {"detector": {"loading": True}, "clip": {"loading": True},
                    "logos": {"brands": [], "references": 0}}  # fmt: skip
        return {
            "detector": {
                "model": self.detector.model,
                "device": self.detector.device,
                "backend": self.detector.backend,
                "plugin": self.detector.name,
            }
            if self.detector
            else {"unavailable": self.detector_error},
            "clip": {"model": self.clip.model, "device": self.clip.device}
            if self.clip
            else {"unavailable": self.clip_error},
            "logos": {
                "brands": self.logos.brands,
                "references": len(self.logos.references),
                "rejected": dict(self.logos.rejected),
                "version": self.library_version,
            },
        }

    # --- one batch --------------------------------------------------------------------
    def run_batch(self, jobs: list[tuple[list[np.ndarray], Tasks]]) -> list[list[dict]]:
        frames = [(j, f) for j, (images, _) in enumerate(jobs) for f in range(len(images))]
        image = {(j, f): jobs[j][0][f] for j, f in frames}
        tasks = [t for _, t in jobs]
        out = {key: {"detections": [], "scene": [], "brands": []} for key in frames}

        want_objects = [k for k in frames if tasks[k[0]].objects or tasks[k[0]].brands]
        objects: dict = {}
        if self.detector and want_objects:
            found = self.detector.detect([image[k] for k in want_objects])
            objects = dict(zip(want_objects, found, strict=True))
            for key in want_objects:
                if tasks[key[0]].objects:
                    out[key]["detections"] += objects[key]

        if self.clip:
            self._clip_pass(frames, image, tasks, objects, out)

        for key in frames:
            if tasks[key[0]].logos:
                out[key]["detections"] += self.logos.match(image[key])
        return [[out[(j, f)] for f in range(len(images))] for j, (images, _) in enumerate(jobs)]

    def _clip_pass(self, frames, image, tasks, objects, out) -> None:
        want = [k for k in frames if tasks[k[0]].scene_labels or tasks[k[0]].brands]
        if not want:
            return
        embeddings = dict(
            zip(want, self.clip.image_embeddings([image[k] for k in want]), strict=True)
        )
        threshold = self.config.clip.brand_threshold
        for key in want:
            task = tasks[key[0]]
            if task.scene_labels:
                out[key]["scene"] = self._rank(
                    embeddings[key][None], task.scene_labels, SCENE_TEMPLATES
                )[0][:5]
            if task.brands:
                ranked = self._rank(
                    embeddings[key][None], [*task.brands, NO_BRAND], BRAND_TEMPLATES
                )[0]
                out[key]["brands"] = [
                    r for r in ranked if r["label"] != NO_BRAND and r["score"] >= threshold
                ]
        # Crops of brand carriers, all frames in one batch.
        crops, owners = [], []
        for key in want:
            if not tasks[key[0]].brands:
                continue
            for detection in objects.get(key, []):
                if detection.label in BRAND_CARRIERS:
                    crop = _crop(image[key], detection)
                    if crop is not None:
                        crops.append(crop)
                        owners.append((key, detection))
        if not crops:
            return
        crop_embeddings = self.clip.image_embeddings(crops)
        for (key, detection), embedding in zip(owners, crop_embeddings, strict=True):
            ranked = self._rank(
                embedding[None], [*tasks[key[0]].brands, NO_BRAND], BRAND_TEMPLATES
            )[0]
            top = ranked[0]
            if top["label"] != NO_BRAND and top["score"] >= threshold:
                out[key]["detections"].append(
                    Detection(
                        label=top["label"],
                        score=top["score"],
                        box=detection.box,
                        kind="logo",
                        source=f"{self.clip.model} on {detection.label}",
                    )
                )

    def _rank(self, embeddings: np.ndarray, labels: list[str], templates) -> list[list[dict]]:
        return self.clip.rank(embeddings, labels, templates)


def _crop(image: np.ndarray, detection: Detection) -> np.ndarray | None:
    height, width = image.shape[:2]
    x, y, w, h = detection.box
    if detection.label == "person":
        y, h = y + 0.15 * h, 0.45 * h  # chest: where a shirt's logo is
    x0, y0 = int(x * width), int(y * height)
    x1, y1 = int((x + w) * width), int((y + h) * height)
    if x1 - x0 < MIN_CROP_PX or y1 - y0 < MIN_CROP_PX:
        return None
    return image[y0:y1, x0:x1]
