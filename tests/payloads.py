"""Recorded event shapes (tests/fixtures/events), re-aimed at a real object when needed."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "events"


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def aim(resource: dict, **fields) -> None:
    """Point a recorded GCS object resource at another object (JSON API keeps numbers as text)."""
    for key, value in fields.items():
        if value is not None:
            resource[key] = str(value) if key in ("generation", "size") else value


def eventarc(bucket=None, name=None, generation=None, size=None, metadata=None, ce_type=None):
    """(headers, body) of a binary-mode Eventarc storage CloudEvent."""
    recorded = load("eventarc_finalized")
    headers, data = recorded["headers"], copy.deepcopy(recorded["data"])
    if ce_type:
        headers["ce-type"] = ce_type
    aim(data, bucket=bucket, name=name, generation=generation, size=size, metadata=metadata)
    headers["ce-source"] = f"//storage.googleapis.com/projects/_/buckets/{data['bucket']}"
    headers["ce-subject"] = f"objects/{data['name']}"
    return headers, data


def pubsub_push(
    bucket=None,
    name=None,
    generation=None,
    size=None,
    metadata=None,
    event_type="OBJECT_FINALIZE",
    message_id=None,
):
    """The JSON body Pub/Sub pushes for a GCS notification."""
    recorded = load("pubsub_push")
    body, resource = recorded["body"], recorded["object"]
    attributes = body["message"]["attributes"]
    aim(resource, bucket=bucket, name=name, generation=generation, size=size, metadata=metadata)
    attributes.update(
        bucketId=resource["bucket"],
        objectId=resource["name"],
        objectGeneration=resource["generation"],
        eventType=event_type,
    )
    if message_id:
        body["message"]["messageId"] = body["message"]["message_id"] = message_id
    body["message"]["data"] = base64.b64encode(json.dumps(resource).encode()).decode()
    return body


def minio_put(bucket=None, key=None, etag=None, size=None, event_name=None, metadata=None):
    """The JSON body MinIO posts to a webhook target."""
    body = load("minio_put")["body"]
    record = body["Records"][0]
    obj = record["s3"]["object"]
    if bucket:
        record["s3"]["bucket"]["name"] = bucket
    if key:
        obj["key"] = key.replace("/", "%2F")
    if etag:
        obj["eTag"] = etag
    if size is not None:
        obj["size"] = size
    if event_name:
        record["eventName"] = body["EventName"] = event_name
    if metadata is not None:  # what the real object carries, as MinIO reports it
        obj["userMetadata"] = {f"X-Amz-Meta-{k.capitalize()}": v for k, v in metadata.items()}
    return body
