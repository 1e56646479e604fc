"""Evidence frames (issue 17): one JPEG per brand and segment, named outside ``streams/``,
recorded on the appearance, never failing the analysis, deleted with the stream.

Stands in for the pipeline's real collaborators with small fakes (a bucket that keeps
objects in a dict, a writer that keeps the result, a backend that finds a logo); the
same paths run against the real stack in tests/integration/test_evidence_exports.py.
"""

from __future__ import annotations

import io
import subprocess
import threading
import time
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest
from PIL import Image

from functions import deletion, events
from functions.analyze import SegmentAnalyzer
from functions.appearances import part_fields, segment_runs, summarise
from functions.backends.base import BackendResult
from functions.events import Ignored, ObjectEvent, Rejected
from functions.evidence import BOX_COLOUR, EvidenceWriter, best_views, render
from mediacore.names import (
    brand_slug,
    evidence_object,
    evidence_prefix,
    media_prefixes,
    parse_segment_object,
    segment_object,
)
from mediacore.schema import FrameLabels, FrameResult, SegmentResult
from mediacore.settings import Settings
from mediacore.storage import ObjectNotFound, StoredObject
from tests import payloads
from tests.logo_scenes import photo

# --- names -----------------------------------------------------------------------------------


def test_evidence_objects_live_outside_the_analysed_prefix():
    name = evidence_object("studio-a", 42, "starbucks")
    assert name == "evidence/studio-a/00000042-starbucks.jpg"
    assert not name.startswith("streams/") and parse_segment_object(name) is None
    assert name.startswith(evidence_prefix("studio-a"))
    assert media_prefixes("studio-a") == ("streams/studio-a/", "evidence/studio-a/")


def test_brand_labels_become_distinct_url_safe_slugs():
    assert brand_slug("starbucks") == "starbucks"  # brand ids stay readable
    coke, spaced = brand_slug("Coca-Cola"), brand_slug("coca cola")
    assert coke.startswith("coca-cola-") and spaced.startswith("coca-cola-") and coke != spaced
    for label in ("Coca-Cola", "../../etc", "日本", "a/b?c#d", "x" * 300, "Ünïcödé"):
        slug = brand_slug(label)
        assert brand_slug(slug) == slug  # the route accepts a label or its slug
        assert slug.replace("-", "").isalnum() and slug.isascii() and len(slug) <= 63
        assert "/" not in evidence_object("s", 1, label).removeprefix("evidence/s/")


@pytest.mark.parametrize("source", ["gcs", "s3"])
def test_an_evidence_upload_event_is_ignored_not_analysed_nor_rejected(source):
    """The local stack's fake-gcs-server notifies every object; MinIO and GCS deployments
    notify ``streams/`` only. Either way an evidence frame is never taken for a segment."""
    name = evidence_object("studio-a", 42, "Coca-Cola")
    if source == "gcs":
        body = payloads.pubsub_push(bucket="b", name=name, generation="1")
        message = body["message"]
        items = events.from_cloudevent(
            events.PUBSUB_PUBLISHED, {"message": message}, bucket="b", event_id="1", time=None
        )
    else:
        items = events.from_s3_notification(payloads.minio_put(bucket="b", key=name), bucket="b")
    assert [type(i) for i in items] == [Ignored]
    # The check can fail: the same event for a segment name is analysed.
    seg = segment_object("studio-a", 42)
    body = payloads.pubsub_push(bucket="b", name=seg, generation="1")
    items = events.from_cloudevent(
        events.PUBSUB_PUBLISHED, {"message": body["message"]}, bucket="b", event_id="1", time=None
    )
    assert isinstance(items[0], ObjectEvent) and not isinstance(items[0], Rejected)


# --- rendering -------------------------------------------------------------------------------


def frame_1280() -> np.ndarray:
    """A real photo at the size the models see (inference side 1280)."""
    return cv2.resize(photo("coffee"), (1280, 720), interpolation=cv2.INTER_AREA)


def test_an_evidence_jpeg_is_480_wide_small_and_shows_the_box():
    box = (0.25, 0.2, 0.3, 0.4)
    data = render(frame_1280(), box)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (480, 270)
    assert 3_000 < len(data) < 40_000, len(data)
    pixels = np.asarray(image.convert("RGB")).astype(int)
    # The box's left edge, half-way down, is the box colour (JPEG: roughly).
    edge = pixels[round(270 * 0.4), round(480 * 0.25) + 1]
    assert np.abs(edge - np.array(BOX_COLOUR)).max() < 60, edge
    # ... and the same place without a box is not (the check can fail).
    plain = np.asarray(Image.fromarray(frame_1280()).resize((480, 270))).astype(int)
    assert np.abs(plain[round(270 * 0.4), round(480 * 0.25) + 1] - BOX_COLOUR).max() > 60


def test_a_small_frame_is_not_scaled_up():
    image = Image.open(io.BytesIO(render(np.zeros((90, 160, 3), np.uint8), (0, 0, 1, 1))))
    assert image.size == (160, 90)


# --- storing: the best frame per brand, within the deadline, never raising -------------------


class MemoryStore:
    """The storage port in a dict; ``fail`` names raise, ``delay`` slows every put."""

    bucket = "b"

    def __init__(self, fail: Exception | None = None, delay: float = 0.0):
        self.objects: dict[str, bytes] = {}
        self.meta: dict[str, dict] = {}
        self.fail, self.delay = fail, delay
        self.busy: list[tuple[float, float]] = []  # (start, end) of each put
        self.release = threading.Event()  # set: slow puts end at once

    def put(self, name, data, *, metadata=None, content_type=None, cache_control=None):
        started = time.monotonic()
        self.release.wait(self.delay)
        self.busy.append((started, time.monotonic()))
        if self.fail:
            raise self.fail
        self.objects[name] = data
        self.meta[name] = {"content_type": content_type, **(metadata or {})}
        return StoredObject(name, "1", len(data))

    def read(self, name, generation=None):
        if name not in self.objects:
            raise ObjectNotFound(name)
        return self.objects[name]

    def list(self, prefix=""):
        for name in sorted(self.objects):
            if name.startswith(prefix):
                yield StoredObject(name, "1", len(self.objects[name]))

    def delete(self, name):
        self.objects.pop(name, None)

    def signed_url(self, name, expires_s):
        return None


def logo(label, score, box=(0.1, 0.1, 0.2, 0.2)):
    return {"label": label, "score": score, "box": box, "kind": "logo"}


def frames_with(*per_frame) -> list[FrameResult]:
    return [
        FrameResult(t=float(i), detections=list(detections))
        for i, detections in enumerate(per_frame)
    ]


def test_each_brand_gets_the_frame_of_its_best_detection():
    frames = frames_with(
        [logo("acme", 0.6), logo("beta", 0.9)],
        [logo("acme", 0.8), {"label": "acme", "score": 0.99, "box": (0, 0, 1, 1)}],  # an object
        [logo("acme", 0.8)],
    )
    best = best_views(frames)
    assert {b: i for b, (i, _) in best.items()} == {"acme": 1, "beta": 0}  # first of equals


def test_evidence_is_stored_per_brand_and_named_on_the_segment():
    store = MemoryStore()
    frames = frames_with([logo("acme", 0.6)], [logo("acme", 0.8), logo("Beta Co", 0.7)])
    images = [frame_1280(), frame_1280()]
    stored = EvidenceWriter(store).store("s", 7, frames, images, time.monotonic() + 10)
    assert stored.objects == {
        "acme": "evidence/s/00000007-acme.jpg",
        "Beta Co": evidence_object("s", 7, "Beta Co"),
    }
    assert stored.failed == {} and set(store.objects) == set(stored.objects.values())
    assert store.meta["evidence/s/00000007-acme.jpg"]["content_type"] == "image/jpeg"
    # Redelivered: the same names, overwritten.
    again = EvidenceWriter(store).store("s", 7, frames, images, time.monotonic() + 10)
    assert again.objects == stored.objects and len(store.objects) == 2


def test_a_failing_bucket_is_reported_not_raised():
    store = MemoryStore(fail=ConnectionError("bucket down"))
    frames = frames_with([logo("acme", 0.6)])
    stored = EvidenceWriter(store).store("s", 1, frames, [frame_1280()], time.monotonic() + 10)
    assert stored.objects == {} and "bucket down" in stored.failed["acme"]


def test_uploads_end_by_the_deadline():
    """Uploads that would take a minute are given up at the deadline (bounds on a machine
    as busy as it gets: far above the 0.8 s deadline, far below the minute)."""
    store = MemoryStore(delay=60.0)
    frames = frames_with([logo("acme", 0.6), logo("beta", 0.6)])
    started = time.monotonic()
    stored = EvidenceWriter(store).store("s", 1, frames, [frame_1280()], started + 0.8)
    assert time.monotonic() - started < 30
    store.release.set()  # the abandoned uploads end (the interpreter waits for them)
    assert stored.objects == {} and set(stored.failed) == {"acme", "beta"}
    spent = EvidenceWriter(store).store("s", 1, frames, [frame_1280()], time.monotonic() + 0.1)
    assert "no time left" in spent.failed["acme"]  # not even started


# --- the analyzer: evidence on the result, the result written whatever the bucket does -------


class FakeWriter:
    def __init__(self):
        self.written: list[SegmentResult] = []

    def ensure_stream(self, stream_id):
        pass

    def is_current(self, *args):
        return False

    def write(self, stream_id, result):
        self.written.append(result.model_copy(deep=True))
        return True


class FakeModes:
    def switches(self, stream_id):
        from functions.modes import StreamSwitches

        return StreamSwitches(mode="batch")


class LogoBackend:
    """Finds 'acme' in the middle of every frame it is shown."""

    def analyze(self, images, brands=None, library_version=None, budget_s=None):
        labels = FrameLabels(detections=[logo("acme", 0.9, (0.4, 0.4, 0.2, 0.2))])
        return BackendResult([labels] * len(images), "fake")


class SegmentStore(MemoryStore):
    """A bucket holding one segment, whose evidence uploads may fail."""

    def __init__(self, segment: bytes, fail_evidence: Exception | None = None):
        super().__init__()
        self.objects[segment_object("s", 3)] = segment
        self.fail_evidence = fail_evidence

    def put(self, name, data, **kwargs):
        if self.fail_evidence:
            raise self.fail_evidence
        return super().put(name, data, **kwargs)


@pytest.fixture(scope="module")
def segment_bytes() -> bytes:
    return subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
         "testsrc2=size=1280x720:rate=30:duration=2", "-c:v", "libx264", "-preset",
         "ultrafast", "-g", "30", "-f", "mpegts", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def analyse(store: SegmentStore) -> SegmentResult:
    writer = FakeWriter()
    settings = Settings()
    analyzer = SegmentAnalyzer(settings, store, writer, FakeModes(), backend=LogoBackend())
    name = segment_object("s", 3)
    event = ObjectEvent(
        bucket="b", name=name, generation="1", size=None, segment=parse_segment_object(name),
        created_at=datetime.now(UTC),
    )  # fmt: skip
    assert analyzer.handle(event).status == "done"
    (result,) = writer.written
    return result


def test_the_analyzer_stores_evidence_and_names_it_on_the_result(segment_bytes):
    store = SegmentStore(segment_bytes)
    result = analyse(store)
    assert result.evidence == {"acme": "evidence/s/00000003-acme.jpg"}
    jpeg = Image.open(io.BytesIO(store.objects["evidence/s/00000003-acme.jpg"]))
    assert jpeg.width == 480 and result.timings.evidence_ms is not None
    assert not any("evidence" in w for w in result.warnings)
    # The appearance part written from it names the frame; the summary points the API at it.
    (part,) = segment_runs(result, None).parts
    fields = part_fields(3, part)
    assert fields["parts"]["00000003"]["evidence"] == "evidence/s/00000003-acme.jpg"
    appearance = summarise(fields | {"parts": fields["parts"]}, "s")
    assert appearance.evidence_seq == 3
    assert appearance.evidence == "/v1/streams/s/evidence/3/acme"


def test_a_failed_evidence_upload_leaves_the_result_written_with_a_warning(segment_bytes):
    result = analyse(SegmentStore(segment_bytes, fail_evidence=ConnectionError("bucket down")))
    assert result.status == "done" and result.evidence == {}
    assert any("evidence frames of 1 brand(s) not stored" in w for w in result.warnings)
    (part,) = segment_runs(result, None).parts
    assert "evidence" not in part_fields(3, part)["parts"]["00000003"]
    assert summarise(part_fields(3, part), "s").evidence is None


def test_an_appearance_shows_the_evidence_of_its_best_part_that_has_one():
    doc = {
        "brand": "Coca-Cola",
        "start": 1.0,
        "parts": {
            "00000000": {"end": 2.0, "peak_box": [0, 0, 0.1, 0.1], "peak_area": 0.01,
                         "best_t": 1.0, "best_score": 0.8, "evidence": "evidence/s/x.jpg"},
            "00000001": {"end": 4.0, "peak_box": [0, 0, 0.3, 0.3], "peak_area": 0.09,
                         "best_t": 2.0, "best_score": 0.95, "evidence": "evidence/s/y.jpg"},
            "00000002": {"end": 6.0, "peak_box": [0, 0, 0.3, 0.3], "peak_area": 0.09,
                         "best_t": 4.0, "best_score": 0.99},  # upload failed
        },
    }  # fmt: skip
    appearance = summarise(doc, "s")
    assert appearance.best_frame_t == 4.0 and appearance.evidence_seq == 1
    assert appearance.evidence == f"/v1/streams/s/evidence/1/{brand_slug('Coca-Cola')}"
    assert summarise(doc).evidence is None  # no stream, no path; the segment still named
    assert summarise(doc).evidence_seq == 1


# --- deletion --------------------------------------------------------------------------------


class FakeRegistry:
    def __init__(self):
        self.calls = []

    def mark_deleted(self, stream_id, media_pending):
        self.calls.append(("mark", media_pending))

    def delete(self, stream_id):
        self.calls.append(("delete",))


def test_deleting_a_stream_deletes_its_evidence_and_nothing_of_another():
    store = MemoryStore()
    for name in (
        segment_object("s", 0),
        "streams/s/index.m3u8",
        evidence_object("s", 0, "acme"),
        evidence_object("s", 1, "Coca-Cola"),
        evidence_object("s2", 0, "acme"),  # another stream whose id starts the same
        segment_object("s2", 0),
    ):
        store.objects[name] = b"x"
    done = deletion.delete_stream(FakeRegistry(), store, "s")
    assert done.finished and done.objects_deleted == 4
    assert sorted(store.objects) == sorted([evidence_object("s2", 0, "acme"),
                                            segment_object("s2", 0)])  # fmt: skip


def test_the_evidence_writer_uploads_in_parallel():
    """Three brands on a bucket taking 0.5 s an upload: the uploads run at the same time
    (each starts before any ends; a check of the overlap, not of the machine's speed)."""
    store = MemoryStore(delay=0.5)
    frames = frames_with([logo("a", 0.6), logo("b", 0.6), logo("c", 0.6)])
    stored = EvidenceWriter(store).store("s", 1, frames, [frame_1280()], time.monotonic() + 60)
    assert len(stored.objects) == 3
    assert max(start for start, _ in store.busy) < min(end for _, end in store.busy)
