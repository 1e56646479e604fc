"""Backfill: re-analyse the stored segments of a stream over a media-time range, in batch mode.

Used to redo segments that realtime mode skipped, that failed while a model
backend was down, or that were analysed before a better model or brand list.

A request becomes a *plan*: the segment objects whose [media_start,
media_start + duration) overlaps the range, each at its current generation, and
one new ``revision`` (milliseconds since the epoch). Each segment is then
analysed like a fresh upload but in batch mode, and its result replaces the
stored one only if that has a lower revision — so replaying a backfill's
messages changes nothing, and a late original event cannot undo it.

Delivery: with a ``backfill_topic`` each segment is one Pub/Sub message in the
GCS-notification shape (plus ``backfillId`` and ``revision`` attributes) that a
push subscription brings to analyze, with Pub/Sub's retries; without one (compose,
KIND) the caller analyses the segments itself. Progress lives in
``streams/{id}/backfills/{backfill_id}``: ``pending`` holds the segments not yet
finished and shrinks with idempotent field deletes; empty means complete.

    python -m functions backfill STREAM_ID --start 0 --end 60 [--inline]
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from functions.errors import BackfillError
from functions.events import ObjectEvent
from mediacore.names import check_stream_id, parse_segment_object, segment_doc_id, segments_prefix
from mediacore.settings import Settings
from mediacore.storage import ObjectStore, StoredObject
from mediacore.streams import StreamRegistry

log = logging.getLogger(__name__)


@dataclass
class BackfillPlan:
    stream_id: str
    start: float
    end: float | None
    revision: int
    events: list[ObjectEvent] = field(default_factory=list)

    @property
    def backfill_id(self) -> str:
        return str(self.revision)

    def record(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "revision": self.revision,
            "segments": len(self.events),
            "pending": {segment_doc_id(e.segment.seq): True for e in self.events},
        }


def _media_span(obj: StoredObject, store: ObjectStore, fragment_s: float) -> tuple[float, float]:
    metadata = obj.metadata or (store.stat(obj.name) or obj).metadata  # S3 lists no metadata
    seq = parse_segment_object(obj.name).seq
    try:
        start = float(metadata["media_start"])
    except (KeyError, ValueError):
        start = seq * fragment_s  # an object nobody described: assume nominal segments
    try:
        duration = float(metadata["duration"])
    except (KeyError, ValueError):
        duration = fragment_s
    return start, duration


def plan_backfill(
    store: ObjectStore,
    settings: Settings,
    stream_id: str,
    start: float = 0.0,
    end: float | None = None,
) -> BackfillPlan:
    check_stream_id(stream_id)
    if start < 0 or (end is not None and end <= start):
        raise BackfillError(f"invalid range: start {start}, end {end} (need 0 <= start < end)")
    plan = BackfillPlan(stream_id, start, end, revision=int(time.time() * 1000))
    for obj in store.list(segments_prefix(stream_id)):
        segment = parse_segment_object(obj.name)
        if segment is None or segment.stream_id != stream_id:
            continue
        media_start, duration = _media_span(obj, store, settings.ingest.hls_fragment_s)
        if media_start + duration <= start or (end is not None and media_start >= end):
            continue
        plan.events.append(
            ObjectEvent(
                bucket=store.bucket,
                name=obj.name,
                generation=obj.generation,
                size=obj.size,
                segment=segment,
                metadata=dict(obj.metadata),
                event_id=f"backfill-{plan.revision}-{segment.seq}",
                source="backfill",
                revision=plan.revision,
                backfill_id=plan.backfill_id,
            )
        )
        most = settings.analysis.backfill_max_segments
        if len(plan.events) > most:
            raise BackfillError(
                f"the range covers more than {most} segments; split it into smaller backfills"
            )
    if not plan.events:
        raise BackfillError(f"no stored segments of stream {stream_id!r} in that range")
    plan.events.sort(key=lambda e: e.segment.seq)
    return plan


def pubsub_message(event: ObjectEvent) -> tuple[bytes, dict[str, str]]:
    """(data, attributes) of a GCS notification for ``event``, marked as a re-analysis."""
    resource = {
        "bucket": event.bucket,
        "name": event.name,
        "generation": event.generation,
        "size": str(event.size or 0),
        "metadata": event.metadata,
    }
    attributes = {
        "eventType": "OBJECT_FINALIZE",
        "payloadFormat": "JSON_API_V1",
        "bucketId": event.bucket,
        "objectId": event.name,
        "objectGeneration": event.generation,
        "backfillId": event.backfill_id,
        "revision": str(event.revision),
    }
    return json.dumps(resource).encode(), attributes


class Backfills:
    """Records, enqueues and tracks backfills of one project's streams."""

    def __init__(self, client, settings: Settings, publisher=None):
        self._streams = StreamRegistry(client)
        self._settings = settings
        self._publisher = publisher

    def ref(self, stream_id: str, backfill_id: str):
        return self._streams.ref(stream_id).collection("backfills").document(backfill_id)

    def record(self, plan: BackfillPlan) -> None:
        from google.cloud import firestore

        self.ref(plan.stream_id, plan.backfill_id).set(
            {**plan.record(), "requested_at": firestore.SERVER_TIMESTAMP}
        )

    def enqueue(self, plan: BackfillPlan) -> None:
        """One Pub/Sub message per segment; waits until the topic has them all."""
        from google.cloud import pubsub_v1

        publisher = self._publisher or pubsub_v1.PublisherClient()
        platform = self._settings.platform
        topic = publisher.topic_path(platform.project_id, platform.backfill_topic)
        futures = [
            publisher.publish(topic, data, **attributes)
            for data, attributes in map(pubsub_message, plan.events)
        ]
        for future in futures:
            future.result(timeout=60)

    def mark_finished(self, stream_id: str, backfill_id: str, seq: int) -> None:
        """Take one segment off the pending list (deleting a field twice is harmless)."""
        from google.api_core.exceptions import NotFound
        from google.cloud import firestore
        from google.cloud.firestore_v1.field_path import FieldPath

        pending = FieldPath("pending", segment_doc_id(seq)).to_api_repr()
        try:
            # update(), never set(): a record deleted with its stream is not written back.
            self.ref(stream_id, backfill_id).update(
                {pending: firestore.DELETE_FIELD, "updated_at": firestore.SERVER_TIMESTAMP}
            )
        except NotFound:
            log.info("backfill %s record gone (stream deleted): seq %d not noted", backfill_id, seq)
        except Exception:
            # The progress record is bookkeeping; the segment result is already safe.
            log.exception("backfill %s progress not updated for seq %d", backfill_id, seq)

    def status(self, stream_id: str, backfill_id: str) -> dict[str, Any] | None:
        snapshot = self.ref(stream_id, backfill_id).get()
        if not snapshot.exists:
            return None
        doc = snapshot.to_dict()
        remaining = len(doc.get("pending") or {})
        return {
            "backfill_id": backfill_id,
            "stream_id": stream_id,
            "start": doc.get("start"),
            "end": doc.get("end"),
            "segments": doc.get("segments", 0),
            "finished": doc.get("segments", 0) - remaining,
            "status": "completed" if remaining == 0 else "running",
        }


def request_backfill(
    backfills: Backfills,
    store: ObjectStore,
    settings: Settings,
    stream_id: str,
    start: float = 0.0,
    end: float | None = None,
    analyzer=None,
) -> dict[str, Any]:
    """Plan, record and start a backfill; inline (with ``analyzer``) when no topic is set."""
    plan = plan_backfill(store, settings, stream_id, start, end)
    backfills.record(plan)
    if settings.platform.backfill_topic and analyzer is None:
        backfills.enqueue(plan)
        context = {"stream_id": stream_id}
        log.info(
            "backfill %s queued: %d segments", plan.backfill_id, len(plan.events), extra=context
        )
    else:
        if analyzer is None:
            raise BackfillError("no backfill topic configured and no analyzer to run inline")
        for event in plan.events:
            analyzer.handle(event)
            backfills.mark_finished(stream_id, plan.backfill_id, event.segment.seq)
    return backfills.status(stream_id, plan.backfill_id)
