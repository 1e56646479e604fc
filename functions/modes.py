"""Processing mode per stream (``streams/{id}.mode``: realtime | batch), read with a short cache.

The mode can be switched at any time (control API, dashboard); every function
instance sees the change within ``ttl`` seconds without reading Firestore for
every segment.
"""

from __future__ import annotations

import threading
import time

from mediacore.streams import StreamRegistry

REALTIME, BATCH = "realtime", "batch"


class ModeCache:
    def __init__(self, client, ttl: float = 5.0):
        self._streams = StreamRegistry(client)
        self._ttl = ttl
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def mode(self, stream_id: str) -> str:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(stream_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        snapshot = self._streams.ref(stream_id).get(field_paths=["mode"])
        mode = snapshot.get("mode") if snapshot.exists else None
        mode = mode if mode in (REALTIME, BATCH) else REALTIME
        with self._lock:
            self._cache[stream_id] = (now, mode)
        return mode
