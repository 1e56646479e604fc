"""Pub/Sub set-up shared by the local stack and docker compose: a topic and a push
subscription to a function, with Pub/Sub's retry policy (a non-2xx answer is
delivered again with backoff).

    python -m mediacore.pubsub TOPIC SUBSCRIPTION PUSH_ENDPOINT
"""

from __future__ import annotations

import sys

# Pub/Sub gives a push this long before it delivers the message again; the analyze
# function ends its work well inside it (MA_ANALYSIS_DEADLINE_S).
ACK_DEADLINE_S = 60


def ensure_topic(project: str, name: str) -> str:
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(project, name)
    try:
        publisher.create_topic(name=topic)
    except AlreadyExists:
        pass
    return topic


def ensure_push_subscription(project: str, topic: str, subscription: str, endpoint: str) -> str:
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import pubsub_v1
    from google.protobuf import duration_pb2

    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(project, subscription)
    request = {
        "name": path,
        "topic": ensure_topic(project, topic),
        "push_config": {"push_endpoint": endpoint},
        "ack_deadline_seconds": ACK_DEADLINE_S,
        "retry_policy": {
            "minimum_backoff": duration_pb2.Duration(seconds=1),
            "maximum_backoff": duration_pb2.Duration(seconds=60),
        },
    }
    try:
        subscriber.create_subscription(request=request)
    except AlreadyExists:
        pass
    return path


def main(argv: list[str]) -> int:
    from mediacore.settings import get_settings

    topic, subscription, endpoint = argv
    print(
        ensure_push_subscription(get_settings().platform.project_id, topic, subscription, endpoint)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
