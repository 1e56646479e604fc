"""When each segment's result reaches a Firestore listener, as the dashboard would see it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from mediacore.streams import StreamRegistry


class ResultTimes:
    """Listens to one stream's segments; records (clock time, status) of each seq's first
    result. ``clock`` is time.monotonic for intervals, time.time to compare with wall
    clocks (publish times, object timestamps)."""

    def __init__(self, db, stream_id: str, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.seen: dict[int, tuple[float, str]] = {}
        segments = StreamRegistry(db).ref(stream_id).collection("segments")
        self._watch = segments.on_snapshot(self._on_snapshot)

    def _on_snapshot(self, _docs, changes, _read_time) -> None:
        now = self._clock()
        with self._changed:
            for change in changes:
                doc = change.document.to_dict()
                if doc.get("status") and doc["seq"] not in self.seen:
                    self.seen[doc["seq"]] = (now, doc["status"])
            self._changed.notify_all()

    def at(self, seq: int) -> float:
        return self.seen[seq][0]

    def wait(self, count: int, timeout: float) -> bool:
        """Until ``count`` results have arrived (True) or ``timeout`` passed (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.seen) >= count, timeout)

    def stop(self) -> None:
        self._watch.unsubscribe()
