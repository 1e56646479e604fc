import pytest

from functions.events import (
    EVENTARC_FINALIZED,
    PUBSUB_PUBLISHED,
    Ignored,
    MalformedEvent,
    ObjectEvent,
    from_cloudevent,
    from_s3_notification,
)
from tests import payloads

SEGMENT = "streams/studio-a/segments/00000042.ts"


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
    [event] = from_cloudevent("dev.knative.minio.event", payloads.minio_put())
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
def test_malformed_events_raise_a_clear_error(event_type, data):
    with pytest.raises(MalformedEvent):
        from_cloudevent(event_type, data)


def test_s3_notification_without_records():
    with pytest.raises(MalformedEvent):
        from_s3_notification({"EventName": "s3:ObjectCreated:Put"})
