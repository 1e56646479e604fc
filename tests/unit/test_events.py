import base64
import json

import pytest

from functions import events
from functions.events import (
    EVENTARC_FINALIZED,
    PUBSUB_PUBLISHED,
    Ignored,
    MalformedEvent,
    ObjectEvent,
    Rejected,
)
from tests import payloads

SEGMENT = "streams/studio-a/segments/00000042.ts"
BUCKET = "media-analyzer-prod"  # the recorded GCS events' bucket
S3_BUCKET = "media-analyzer"  # the recorded MinIO event's


def from_cloudevent(event_type, data, bucket=BUCKET, **kwargs):
    return events.from_cloudevent(event_type, data, bucket=bucket, **kwargs)


def from_s3_notification(body, bucket=S3_BUCKET):
    return events.from_s3_notification(body, bucket=bucket)


def _pubsub_cloudevent_data(body):
    # What functions-framework hands the function for a raw Pub/Sub push.
    message = body["message"]
    return {
        "message": {
            "data": message["data"],
            "attributes": message["attributes"],
            "messageId": message["messageId"],
            "publishTime": message["publishTime"],
        }
    }


def _assert_segment(event, source):
    assert isinstance(event, ObjectEvent)
    assert (event.bucket, event.name, event.source) == (
        "media-analyzer-prod" if source != "s3" else "media-analyzer",
        SEGMENT,
        source,
    )
    assert event.segment.stream_id == "studio-a" and event.segment.seq == 42
    assert event.size == 1893412
    assert event.metadata["media_start"] == "84.000"
    assert event.metadata["program_date_time"] == "2026-11-25T18:42:04.950Z"
    assert event.created_at is not None and event.event_at is not None


def test_eventarc_storage_cloudevent():
    headers, data = payloads.eventarc()
    [event] = from_cloudevent(
        headers["ce-type"], data, event_id=headers["ce-id"], time=headers["ce-time"]
    )
    _assert_segment(event, "eventarc")
    assert event.generation == "1764096127098523"
    assert event.event_id == "9419263934586545"


def test_pubsub_pushed_gcs_notification():
    body = payloads.pubsub_push()
    [event] = from_cloudevent(PUBSUB_PUBLISHED, _pubsub_cloudevent_data(body))
    _assert_segment(event, "pubsub")
    assert event.generation == "1764096127098523"
    assert event.event_id == "13278573895435620"


def test_pubsub_notification_without_payload_uses_attributes():
    body = payloads.pubsub_push()
    body["message"]["data"] = ""
    [event] = from_cloudevent(PUBSUB_PUBLISHED, _pubsub_cloudevent_data(body))
    assert event.name == SEGMENT and event.generation == "1764096127098523"
    assert event.size is None and event.metadata == {}


def test_minio_s3_webhook_record():
    [event] = from_s3_notification(payloads.minio_put())
    _assert_segment(event, "s3")
    assert event.generation == "9b2cf535f27731c974343645a3985328"
    assert event.metadata["stream_id"] == "studio-a" and "content-type" not in event.metadata


def test_s3_records_carried_as_cloudevent_data():
    [event] = from_cloudevent("dev.knative.minio.event", payloads.minio_put(), bucket=S3_BUCKET)
    assert isinstance(event, ObjectEvent) and event.source == "s3"


@pytest.mark.parametrize(
    "name",
    [
        "streams/studio-a/index.m3u8",
        "streams/studio-a/segments/index.m3u8",
        "brands/acme/logo.png",
        "streams/../segments/00000001.ts",
        "streams/studio-a/segments/notes.txt",
        "streams/Studio A/segments/00000001.ts",
    ],
)
def test_non_segment_objects_are_ignored(name):
    headers, data = payloads.eventarc(name=name)
    [result] = from_cloudevent(EVENTARC_FINALIZED, data)
    assert isinstance(result, Ignored) and result.name == name
    [result] = from_cloudevent(
        PUBSUB_PUBLISHED, _pubsub_cloudevent_data(payloads.pubsub_push(name=name))
    )
    assert isinstance(result, Ignored)
    [result] = from_s3_notification(payloads.minio_put(key=name))
    assert isinstance(result, Ignored)


def test_m4s_segments_are_segments():
    _, data = payloads.eventarc(name="streams/studio-a/segments/00000042.m4s")
    [event] = from_cloudevent(EVENTARC_FINALIZED, data)
    assert isinstance(event, ObjectEvent) and event.segment.ext == "m4s"


def test_deletes_and_other_storage_events_are_ignored():
    _, data = payloads.eventarc()
    [result] = from_cloudevent("google.cloud.storage.object.v1.deleted", data)
    assert isinstance(result, Ignored) and "deleted" in result.reason
    body = payloads.pubsub_push(event_type="OBJECT_DELETE")
    [result] = from_cloudevent(PUBSUB_PUBLISHED, _pubsub_cloudevent_data(body))
    assert isinstance(result, Ignored) and "OBJECT_DELETE" in result.reason
    [result] = from_s3_notification(payloads.minio_put(event_name="s3:ObjectRemoved:Delete"))
    assert isinstance(result, Ignored) and "ObjectRemoved" in result.reason


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("com.example.unknown", {"hello": "world"}),
        (PUBSUB_PUBLISHED, {"message": "not-a-dict"}),
        (PUBSUB_PUBLISHED, {"message": {"data": "e30=", "attributes": {}}}),
        (
            PUBSUB_PUBLISHED,
            {"message": {"data": "%%%", "attributes": {"eventType": "OBJECT_FINALIZE"}}},
        ),
        (EVENTARC_FINALIZED, "not json"),
        (EVENTARC_FINALIZED, {"name": SEGMENT}),
    ],
)
def test_malformed_events_raise_a_clear_error_or_are_rejected(event_type, data):
    try:
        [result] = from_cloudevent(event_type, data)
    except MalformedEvent as exc:
        assert str(exc)
    else:
        assert isinstance(result, Rejected) and result.reason


def test_s3_notification_without_records():
    with pytest.raises(MalformedEvent):
        from_s3_notification({"EventName": "s3:ObjectCreated:Put"})


def test_events_of_another_bucket_are_rejected():
    # The event names the bucket; only the configured one is ours to read and write for.
    _, data = payloads.eventarc(bucket="someone-elses")
    [result] = from_cloudevent(EVENTARC_FINALIZED, data)
    assert isinstance(result, Rejected) and "someone-elses" in result.reason
    body = payloads.pubsub_push(bucket="someone-elses")
    [result] = from_cloudevent(PUBSUB_PUBLISHED, _pubsub_cloudevent_data(body))
    assert isinstance(result, Rejected) and result.name == SEGMENT
    [result] = from_s3_notification(payloads.minio_put(bucket="someone-elses"))
    assert isinstance(result, Rejected)


@pytest.mark.parametrize(
    "name",
    [
        "streams/studio-a/segments/42.ts",
        "streams/studio-a/segments/00000042.ts\n",
        "streams/studio-a/segments/\u0660\u0660\u0660\u0660\u0660\u0660\u0664\u0662.ts",
    ],
)
def test_segment_lookalikes_are_rejected_with_a_reason(name):
    # Each would otherwise be read as segment 42 and overwrite its result.
    _, data = payloads.eventarc(name=name)
    [result] = from_cloudevent(EVENTARC_FINALIZED, data)
    assert isinstance(result, Rejected) and "canonical" in result.reason


def _good_record():
    return payloads.minio_put()["Records"][0]


BAD_RECORDS = [
    "not a record",
    None,
    {"eventName": "s3:ObjectCreated:Put", "s3": "nope"},
    {"eventName": "s3:ObjectCreated:Put", "s3": {"bucket": {"name": S3_BUCKET}, "object": []}},
    {**_good_record(), "s3": {**_good_record()["s3"], "object": {"key": SEGMENT, "size": "big"}}},
    {**_good_record(), "s3": {**_good_record()["s3"], "object": {"key": 42}}},
    {
        **_good_record(),
        "s3": {**_good_record()["s3"], "object": {"key": SEGMENT, "userMetadata": ["x"]}},
    },
    {**_good_record(), "eventName": ["s3:ObjectCreated:Put"]},
]


def test_a_malformed_record_is_rejected_and_the_others_go_on():
    body = {"Records": [*BAD_RECORDS, _good_record()]}
    results = from_s3_notification(body)
    assert len(results) == len(BAD_RECORDS) + 1
    assert all(isinstance(r, Rejected | Ignored) for r in results[:-1]), results
    assert isinstance(results[-1], ObjectEvent)


def _b64(value) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def _finalize(**attributes):
    return {"eventType": "OBJECT_FINALIZE", "objectId": SEGMENT, "bucketId": BUCKET, **attributes}


MALFORMED_CLOUDEVENTS = [
    (PUBSUB_PUBLISHED, {"message": {"data": _b64([1, 2]), "attributes": _finalize()}}),
    (PUBSUB_PUBLISHED, {"message": {"data": _b64(None), "attributes": _finalize()}}),
    (PUBSUB_PUBLISHED, {"message": {"data": _b64("text"), "attributes": _finalize()}}),
    (PUBSUB_PUBLISHED, {"message": {"data": "", "attributes": ["eventType"]}}),
    (PUBSUB_PUBLISHED, {"message": {"data": "", "attributes": _finalize(revision="x")}}),
    (EVENTARC_FINALIZED, {"bucket": BUCKET, "name": SEGMENT, "size": "big"}),
    (EVENTARC_FINALIZED, {"bucket": BUCKET, "name": SEGMENT, "metadata": ["a"]}),
    (EVENTARC_FINALIZED, {"bucket": BUCKET, "name": 42}),
    (EVENTARC_FINALIZED, {"bucket": [BUCKET], "name": SEGMENT}),
    (EVENTARC_FINALIZED, [1, 2]),
    ("dev.knative.minio.event", {"Records": "nope"}),
]


@pytest.mark.parametrize(("event_type", "data"), MALFORMED_CLOUDEVENTS)
def test_malformed_events_never_raise_anything_but_malformed_event(event_type, data):
    """Any other exception is a 500, and the source delivers the event again, forever."""
    try:
        results = from_cloudevent(event_type, data)
    except MalformedEvent:
        return
    assert results and all(isinstance(r, Rejected | Ignored) for r in results), results
