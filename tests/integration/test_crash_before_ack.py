"""Crash between "results written" and "ack", through the real Pub/Sub emulator.

The function process dies right after writing each message's results, before
answering the push; a supervisor loop restarts it, as Cloud Run or Knative
would. Pub/Sub delivers every message again, and the second delivery must find
the result in place: one document per segment, counters counted once.
"""

import json
import os
import shlex
import subprocess
import time
from pathlib import Path

from google.cloud import pubsub_v1

from local.runner import VENV_BIN, free_port, stop_process_group
from mediacore.names import segment_object
from tests.integration.helpers import counters, segment_ref

HERE = Path(__file__).parent


def test_crash_after_write_before_ack_is_redelivered_and_counted_once(
    db, clip, stream_id, stack_env, moto_s3, aws_env, tmp_path, monkeypatch
):
    from mediacore.storage import S3Store

    for key, value in stack_env.client_env.items():
        monkeypatch.setenv(key, value)
    bucket = f"crash-{stream_id}"
    s3 = S3Store(bucket, moto_s3)
    s3.ensure_bucket()
    objects = [
        s3.create(segment_object(stream_id, seq), clip.segments[seq].read_bytes())
        for seq in range(3)
    ]

    port = free_port()
    command = " ".join(
        shlex.quote(part)
        for part in [
            str(VENV_BIN / "functions-framework"),
            "--source",
            str(HERE / "crash_after_write.py"),
            "--target",
            "analyze",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    )
    env = {
        **os.environ,
        **stack_env.client_env,
        "MA_BUCKET_URL": f"s3://{bucket}",
        "MA_S3_ENDPOINT_URL": moto_s3,
        "CRASH_DIR": str(tmp_path),
    }
    # The supervisor: restart the instance whenever it dies.
    supervisor = subprocess.Popen(
        ["bash", "-c", f"while :; do {command}; sleep 0.2; done"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    project = stack_env.info["project"]
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(project, f"crash-{stream_id}")
    subscription = subscriber.subscription_path(project, f"crash-{stream_id}")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(
        request={
            "name": subscription,
            "topic": topic,
            "push_config": {"push_endpoint": f"http://127.0.0.1:{port}/"},
            "ack_deadline_seconds": 10,
        }
    )
    try:
        for obj in objects:
            resource = {
                "bucket": bucket,
                "name": obj.name,
                "generation": obj.generation,
                "size": str(obj.size),
            }
            publisher.publish(
                topic,
                json.dumps(resource).encode(),
                eventType="OBJECT_FINALIZE",
                bucketId=bucket,
                objectId=obj.name,
                objectGeneration=obj.generation,
            ).result(timeout=30)

        deliveries = tmp_path / "deliveries"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen = deliveries.read_text().split() if deliveries.exists() else []
            crashed = list(tmp_path.glob("crashed-*"))
            # Every message crashed once, and was delivered again after its crash.
            if len(crashed) == 3 and all(seen.count(m.name[8:]) >= 2 for m in crashed):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"deliveries so far: {seen}")
    finally:
        subscriber.delete_subscription(subscription=subscription)
        publisher.delete_topic(topic=topic)
        stop_process_group(supervisor)

    segments = list(segment_ref(db, stream_id, 0).parent.stream())
    assert len(segments) == 3
    assert all(s.to_dict()["status"] == "done" for s in segments)
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    assert counters(stats) == {"segments": 3, "analyzed": 3, "failed": 0, "skipped": 0}
