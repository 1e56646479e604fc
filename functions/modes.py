"""Processing mode and brand-signal switches per stream, read with a short cache.

``streams/{id}.mode`` is realtime | batch; ``streams/{id}.signals`` is
``{"text": bool, "speech": bool}`` (a switch not set takes the settings' default).
Both can be changed at any time (control API, dashboard); every function instance
sees the change within ``ttl`` seconds without reading Firestore for every segment.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from mediacore.streams import StreamRegistry

REALTIME, BATCH = "realtime", "batch"


@dataclass(frozen=True)
class StreamSwitches:
    mode: str = REALTIME
    text: bool = True
    speech: bool = True


class ModeCache:
    def __init__(self, client, ttl: float = 5.0, text: bool = True, speech: bool = True):
        self._streams = StreamRegistry(client)
        self._ttl = ttl
        self._defaults = {"text": text, "speech": speech}
        self._cache: dict[str, tuple[float, StreamSwitches]] = {}
        self._lock = threading.Lock()

    def mode(self, stream_id: str) -> str:
        return self.switches(stream_id).mode

    def switches(self, stream_id: str) -> StreamSwitches:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(stream_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        snapshot = self._streams.ref(stream_id).get(field_paths=["mode", "signals"])
        doc = (snapshot.to_dict() or {}) if snapshot.exists else {}
        mode = doc.get("mode")
        signals = doc.get("signals") if isinstance(doc.get("signals"), dict) else {}
        switches = StreamSwitches(
            mode=mode if mode in (REALTIME, BATCH) else REALTIME,
            **{
                name: signals[name] if isinstance(signals.get(name), bool) else default
                for name, default in self._defaults.items()
            },
        )
        with self._lock:
            self._cache[stream_id] = (now, switches)
        return switches
