"""Upload a stream's claimed segments, in order, each with an idempotent create.

A crash can come between the upload and the local delete, so an object that
already exists with the same size is the same segment and counts as shipped.
One with another size is other content under our name (e.g. two machines
numbering one stream): ours is set aside for an operator rather than retried
forever in front of every later segment.
A failure ends the stream's pass and leaves the rest in the spool; the stream
then waits, doubling up to ``MAX_BACKOFF_S``, so an outage costs no busy loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from ingest.spool import Claim, Spool
from mediacore import metrics
from mediacore.names import segment_object
from mediacore.storage import ObjectExists, ObjectStore

log = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0


class Backoff:
    """Per key: after a failure, no new try for 1, 2, 4 ... up to ``max_s`` seconds."""

    def __init__(
        self,
        first_s: float = FIRST_BACKOFF_S,
        max_s: float = MAX_BACKOFF_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._first_s = first_s
        self._max_s = max_s
        self._clock = clock
        self._delay: dict[Hashable, float] = {}
        self._retry_at: dict[Hashable, float] = {}

    def ready(self, key: Hashable) -> bool:
        return self._clock() >= self._retry_at.get(key, 0.0)

    def failed(self, key: Hashable) -> float:
        """Record a failure; the seconds until the next try."""
        delay = self._delay.get(key)
        delay = self._first_s if delay is None else min(self._max_s, delay * 2)
        self._delay[key] = delay
        self._retry_at[key] = self._clock() + delay
        return delay

    def succeeded(self, key: Hashable) -> None:
        self._delay.pop(key, None)
        self._retry_at.pop(key, None)


@dataclass
class UploadPass:
    uploaded: list[Claim] = field(default_factory=list)
    set_aside: list[int] = field(default_factory=list)  # name taken by other content


class SegmentUploader:
    def __init__(self, store: ObjectStore, backoff: Backoff | None = None):
        self._store = store
        self.backoff = backoff or Backoff()

    def ready(self, stream_id: str) -> bool:
        """False while the stream is backing off after a failed upload."""
        return self.backoff.ready(stream_id)

    def upload_pending(self, stream_id: str, spool: Spool) -> UploadPass:
        """Upload the spool's claims in order until one fails."""
        done = UploadPass()
        pending = list(spool.pending())
        metrics.pending_segments.labels(stream_id).set(len(pending))
        for claim in pending:
            name = segment_object(stream_id, claim.seq)
            data = spool.media(claim.seq).read_bytes()
            try:
                self._store.create(name, data, metadata=claim.metadata, content_type="video/mp2t")
            except ObjectExists:
                existing = self._store.stat(name)
                if existing is None:  # deleted since: the next pass creates it
                    self.backoff.failed(stream_id)
                    break
                if existing.size != len(data):
                    log.error(
                        "stream %s: %s exists with other content; ours is set aside "
                        "in the spool for an operator",
                        stream_id,
                        name,
                    )
                    spool.set_aside(claim.seq)
                    done.set_aside.append(claim.seq)
                    continue
                # Same object: uploaded before a crash, before the local delete.
            except Exception:
                log.exception("stream %s: upload of %s failed; retrying", stream_id, name)
                metrics.upload_failures.inc()
                self.backoff.failed(stream_id)
                break
            spool.done(claim.seq)
            done.uploaded.append(claim)
            delay = time.time() - claim.extra["closed_at"]
            metrics.segments_uploaded.labels(stream_id).inc()
            metrics.stage_seconds.labels("upload").observe(delay)
            log.info(
                "segment uploaded: %s",
                name,
                extra={
                    "stage": "upload",
                    "stream_id": stream_id,
                    "seq": claim.seq,
                    "upload_delay_ms": round(delay * 1000, 1),
                },
            )
        if done.uploaded:
            self.backoff.succeeded(stream_id)
        return done
