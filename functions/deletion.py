"""Deleting a stream deletes what it was: its media, its results, its key.

A careful operator's customer who deletes a stream expects its recordings gone,
and a stream created again with the same id must start empty: the old segments
would otherwise show in its playlist and backfills, and hold the names its own
segments need (the uploader's create would find them taken).

Its media is every object under ``mediacore.names.media_prefixes``: the segments and
playlist under ``streams/{id}/`` and the evidence frames under ``evidence/{id}/``.

Order: the tombstone first, marked ``media_pending`` (StreamRegistry.mark_deleted),
so an analysis still in flight cannot bring the stream back and the id cannot be
created again before its media is gone; the documents; the media; then the media
once more, for a segment the ingest shipped meanwhile; then the tombstone is
cleared of ``media_pending``.

A 10 h stream is 18,000 objects, one delete request each: more than an HTTP request
should hold. The media is deleted within a time budget; what is left stays marked on
the tombstone, and the same DELETE (the API answers 202 until then) goes on from there.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from mediacore.names import media_prefixes
from mediacore.storage import ObjectStore
from mediacore.streams import StreamRegistry

DELETE_WORKERS = 16
# Seconds of media deletion per request, well inside the API's 60 s request timeout.
DELETE_BUDGET_S = 20.0


@dataclass(frozen=True)
class Deletion:
    objects_deleted: int
    finished: bool  # False: media is left, and the tombstone says so


def delete_media(store: ObjectStore, stream_id: str, deadline: float) -> Deletion:
    """The objects under the stream's prefixes (segments, playlist, evidence frames), until
    ``deadline`` (time.monotonic())."""
    names = [obj.name for prefix in media_prefixes(stream_id) for obj in store.list(prefix)]

    def delete(name: str) -> bool:
        if time.monotonic() >= deadline:
            return False
        store.delete(name)
        return True

    with ThreadPoolExecutor(DELETE_WORKERS) as pool:
        done = sum(pool.map(delete, names))
    return Deletion(done, done == len(names))


def delete_stream(
    registry: StreamRegistry,
    store: ObjectStore,
    stream_id: str,
    budget_s: float = DELETE_BUDGET_S,
) -> Deletion:
    """The stream gone, its media as far as the budget allows (call again to go on)."""
    deadline = time.monotonic() + budget_s
    registry.mark_deleted(stream_id, media_pending=True)
    registry.delete(stream_id)
    first = delete_media(store, stream_id, deadline)
    if not first.finished:
        return first
    again = delete_media(store, stream_id, deadline)
    if again.finished:
        registry.mark_deleted(stream_id, media_pending=False)
    return Deletion(first.objects_deleted + again.objects_deleted, again.finished)
