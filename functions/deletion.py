"""Deleting a stream deletes what it was: its media, its results, its key.

A careful operator's customer who deletes a stream expects its recordings gone,
and a stream created again with the same id must start empty: the old segments
would otherwise show in its playlist and backfills, and hold the names its own
segments need (the uploader's create would find them taken).

Order: the tombstone first (StreamRegistry.mark_deleted), so an analysis still in
flight cannot bring the stream back; the media; the documents; then the media
once more, for a segment the ingest shipped meanwhile. A failure part-way leaves
the stream document in place, and the same DELETE finishes the job.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from mediacore.names import stream_prefix
from mediacore.storage import ObjectStore
from mediacore.streams import StreamRegistry

# Object deletes are one request each: a 10 h stream has 18,000 segments.
DELETE_WORKERS = 16


def delete_media(store: ObjectStore, stream_id: str) -> int:
    """Every object under the stream's prefix (segments, playlist); how many."""
    names = [obj.name for obj in store.list(stream_prefix(stream_id))]
    with ThreadPoolExecutor(DELETE_WORKERS) as pool:
        list(pool.map(store.delete, names))
    return len(names)


def delete_stream(registry: StreamRegistry, store: ObjectStore, stream_id: str) -> int:
    """The stream, gone for good; the number of objects deleted."""
    registry.mark_deleted(stream_id)
    deleted = delete_media(store, stream_id)
    registry.delete(stream_id)
    return deleted + delete_media(store, stream_id)
