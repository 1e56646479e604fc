"""Event normalisation: every way a bucket tells us about an object, as ONE value.

Three shapes arrive (DESIGN.md, "Event sources"):

- Eventarc direct storage trigger: CloudEvent ``google.cloud.storage.object.v1.*``
  whose data is the GCS object resource.
- GCS Pub/Sub notification pushed to the function: functions-framework turns
  the push into CloudEvent ``google.cloud.pubsub.topic.v1.messagePublished``;
  the object resource is the base64 message data and ``eventType`` an attribute.
- MinIO / S3 bucket notification: ``{"Records": [...]}`` with
  ``s3:ObjectCreated:*`` records, posted as plain JSON (or carried as the data
  of a CloudEvent by a broker).

Each becomes an :class:`ObjectEvent` for a segment object, or an
:class:`Ignored` with the reason (deletes, playlists, other prefixes), or a
:class:`Rejected` (an ``Ignored`` worth a warning): an object in any bucket but
the configured one (the event names the bucket; it is not trusted to choose
what the function reads and writes), a name that only resembles a segment's
(``7.ts``), or a record that is malformed. Nothing here raises anything but
:class:`MalformedEvent` (for a body that is no event at all): any other
exception would answer 500, and the source would deliver the event again
forever.

A backfill (functions/backfill.py) publishes the same Pub/Sub shape with two
more attributes, ``backfillId`` and ``revision``: a re-analysis of an object
generation that may already have a result.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from functions.errors import MalformedEvent
from mediacore.names import SegmentName, parse_segment_object

EVENTARC_PREFIX = "google.cloud.storage.object.v1."
EVENTARC_FINALIZED = EVENTARC_PREFIX + "finalized"
PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
S3_CREATED_PREFIX = "s3:ObjectCreated:"
S3_METADATA_PREFIX = "x-amz-meta-"


@dataclass(frozen=True)
class ObjectEvent:
    """A finalized segment object, whatever told us about it."""

    bucket: str
    name: str
    generation: str
    size: int | None
    segment: SegmentName
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None  # when the object was written (uploaded_at)
    event_at: datetime | None = None  # when the notification was emitted
    event_id: str = ""
    source: str = ""  # eventarc | pubsub | s3
    revision: int = 0  # > 0: a backfill's re-analysis, which replaces lower revisions
    backfill_id: str = ""


@dataclass(frozen=True)
class Ignored:
    reason: str
    name: str = ""


@dataclass(frozen=True)
class Rejected(Ignored):
    """Acknowledged without analysis, like Ignored, but logged as a warning and counted:
    nothing our own bucket and uploader produce looks like this."""


Normalised = ObjectEvent | Ignored


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _looks_like_segment(name: str) -> bool:
    in_segments = name.startswith("streams/") and "/segments/" in name
    return in_segments and (".ts" in name or ".m4s" in name)


def _size(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise MalformedEvent(f"object size {value!r} is not a number") from exc


def _segment_event(
    *,
    bucket: Any,
    name: Any,
    expected_bucket: str,
    generation: Any,
    size: Any,
    metadata: Any,
    created_at: Any,
    event_at: Any,
    event_id: str,
    source: str,
    revision: int = 0,
    backfill_id: str = "",
) -> Normalised:
    if not bucket or not name or not isinstance(bucket, str) or not isinstance(name, str):
        raise MalformedEvent(f"{source} event without bucket or object name")
    if bucket != expected_bucket:
        return Rejected(f"object of bucket {bucket!r}, not the configured one", name)
    segment = parse_segment_object(name)
    if segment is None:
        if _looks_like_segment(name):
            return Rejected("not a canonical segment name (streams/{id}/segments/{seq:08d})", name)
        return Ignored("not a segment object", name)
    if not isinstance(generation, str | int | None):
        raise MalformedEvent(f"generation {generation!r} is not a string")
    if not isinstance(metadata, Mapping | None):
        raise MalformedEvent("object metadata is not a map")
    return ObjectEvent(
        bucket=bucket,
        name=name,
        generation=str(generation or ""),
        size=_size(size),
        segment=segment,
        metadata={str(k): str(v) for k, v in (metadata or {}).items()},
        created_at=parse_time(created_at),
        event_at=parse_time(event_at),
        event_id=event_id,
        source=source,
        revision=revision,
        backfill_id=backfill_id,
    )


def from_gcs_object(
    resource: Mapping[str, Any],
    *,
    bucket: str,
    event_id: str,
    event_at: Any,
    source: str,
    **reanalysis,
):
    """A GCS object resource (JSON API v1), as Eventarc and Pub/Sub both carry it."""
    if not isinstance(resource, Mapping):
        raise MalformedEvent(f"{source} event data is not a GCS object resource")
    return _segment_event(
        bucket=resource.get("bucket", ""),
        name=resource.get("name", ""),
        expected_bucket=bucket,
        generation=resource.get("generation"),
        size=resource.get("size"),
        metadata=resource.get("metadata"),
        created_at=resource.get("timeCreated") or resource.get("updated"),
        event_at=event_at,
        event_id=event_id,
        source=source,
        **reanalysis,
    )


def from_pubsub_message(message: Mapping[str, Any], *, bucket: str) -> Normalised:
    """A GCS notification delivered through Pub/Sub (the ``message`` of a push)."""
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise MalformedEvent("Pub/Sub message attributes are not a map")
    event_type = attributes.get("eventType")
    if event_type is None:
        raise MalformedEvent("Pub/Sub message is not a GCS notification (no eventType)")
    name = attributes.get("objectId", "")
    if event_type != "OBJECT_FINALIZE":
        return Ignored(f"storage event {event_type}", name)
    resource: dict[str, Any] = {}
    if message.get("data"):
        try:
            resource = json.loads(base64.b64decode(message["data"]))
        except (binascii.Error, ValueError) as exc:
            raise MalformedEvent(f"Pub/Sub message data is not base64 JSON: {exc}") from exc
        if not isinstance(resource, dict):
            raise MalformedEvent("Pub/Sub message data is not a GCS object resource")
    # payloadFormat NONE sends no data: the attributes still name the object.
    resource.setdefault("bucket", attributes.get("bucketId", ""))
    resource.setdefault("name", name)
    resource.setdefault("generation", attributes.get("objectGeneration"))
    try:
        revision = int(attributes.get("revision") or 0)
    except (TypeError, ValueError) as exc:
        raise MalformedEvent(f"revision attribute is not a number: {exc}") from exc
    return from_gcs_object(
        resource,
        bucket=bucket,
        event_id=str(message.get("messageId") or message.get("message_id") or ""),
        event_at=message.get("publishTime") or attributes.get("eventTime"),
        source="pubsub",
        revision=max(revision, 0),
        backfill_id=str(attributes.get("backfillId") or ""),
    )


def _map(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedEvent(f"S3 record: {what} is not a map")
    return value


def _s3_record(record: Any, bucket: str) -> Normalised:
    record = _map(record, "the record")
    event_name = record.get("eventName", "")
    s3 = _map(record.get("s3"), "s3")
    obj = _map(s3.get("object"), "s3.object")
    key = obj.get("key", "")
    if not isinstance(event_name, str) or not isinstance(key, str):
        raise MalformedEvent("S3 record: eventName or object key is not a string")
    name = unquote_plus(key)
    if not event_name.startswith(S3_CREATED_PREFIX):
        return Ignored(f"storage event {event_name}", name)
    metadata = {
        key[len(S3_METADATA_PREFIX) :].lower(): value
        for key, value in _map(obj.get("userMetadata"), "userMetadata").items()
        if str(key).lower().startswith(S3_METADATA_PREFIX)
    }
    version = obj.get("versionId")
    return _segment_event(
        bucket=_map(s3.get("bucket"), "s3.bucket").get("name", ""),
        name=name,
        expected_bucket=bucket,
        generation=version if version and version != "null" else obj.get("eTag", ""),
        size=obj.get("size"),
        metadata=metadata,
        created_at=record.get("eventTime"),
        event_at=record.get("eventTime"),
        event_id=f"{obj.get('sequencer', '')}:{name}",
        source="s3",
    )


def from_s3_notification(body: Mapping[str, Any], *, bucket: str) -> list[Normalised]:
    """MinIO / S3 bucket notification: one result per record; a malformed record is
    Rejected alone, so it neither blocks the others nor brings the notification back."""
    records = body.get("Records") if isinstance(body, Mapping) else None
    if not isinstance(records, list):
        raise MalformedEvent("S3 notification without a Records list")
    results: list[Normalised] = []
    for index, record in enumerate(records):
        try:
            results.append(_s3_record(record, bucket))
        except MalformedEvent as exc:
            results.append(Rejected(f"record {index}: {exc}"))
    return results


def from_cloudevent(
    event_type: str, data: Any, *, bucket: str, event_id: str = "", time: Any = None
) -> list[Normalised]:
    """Any CloudEvent we may be sent, as a list of normalised values. ``bucket`` is the
    configured bucket: objects of any other are Rejected."""
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise MalformedEvent(f"{event_type} event data is not JSON") from exc
    if not isinstance(data, Mapping):
        raise MalformedEvent(f"{event_type} event has no JSON object data")
    if event_type.startswith(EVENTARC_PREFIX):
        if event_type != EVENTARC_FINALIZED:
            return [Ignored(f"storage event {event_type}", str(data.get("name", "")))]
        return [
            _or_rejected(
                from_gcs_object, data, bucket=bucket, event_id=event_id, event_at=time,
                source="eventarc",
            )
        ]  # fmt: skip
    if event_type == PUBSUB_PUBLISHED:
        message = data.get("message")
        if not isinstance(message, Mapping):
            raise MalformedEvent("Pub/Sub event without a message")
        return [_or_rejected(from_pubsub_message, message, bucket=bucket)]
    if "Records" in data:
        return from_s3_notification(data, bucket=bucket)
    raise MalformedEvent(f"unsupported event type {event_type!r}")


def _or_rejected(parse, *args, **kwargs) -> Normalised:
    try:
        return parse(*args, **kwargs)
    except MalformedEvent as exc:
        return Rejected(str(exc))
