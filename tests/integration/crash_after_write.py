"""functions-framework source for the crash-before-ack test.

Runs the real ``analyze`` and then, on each message's first delivery, kills the
process before the HTTP answer leaves: results are in Firestore, but Pub/Sub
never saw an ack, so it delivers the message again to the restarted instance.
Every delivery is appended to ``$CRASH_DIR/deliveries``.
"""

import os
from pathlib import Path

import functions_framework

from functions import main


@functions_framework.cloud_event
def analyze(cloud_event):
    state = Path(os.environ["CRASH_DIR"])
    with (state / "deliveries").open("a") as log:
        log.write(cloud_event["id"] + "\n")
    main.analyze(cloud_event)
    first = state / f"crashed-{cloud_event['id']}"
    if not first.exists():
        first.touch()
        os._exit(1)  # results written, no ack
