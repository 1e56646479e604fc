"""Firestore result writer: one segment document per segment, counted once.

``streams/{stream}/segments/{seq:08d}`` holds the result of the object
generation it was computed from. A write runs in a transaction that reads the
existing document first:

- same generation already written  -> nothing changes (a redelivered event),
  unless the new result is a backfill's re-analysis with a higher ``revision``;
- an older generation than stored  -> nothing changes (late, out of order);
- otherwise the document is replaced, and the stream's counters move by the
  difference (a new segment counts once; a re-analysed one moves from its old
  status to its new one), so retries never count twice.

A result too large for one Firestore document loses its lowest-scoring labels
first (functions/doc_size.py), so the write cannot fail the same way forever.

The stream document takes one write per segment: counters, totals, latency and
warnings go in the result's own transaction (with the ingest's upload record, one
write a second per live stream, Firestore's sustained limit per document). The
transaction reads only the segment document: a read of the stream document would
make concurrent results of a stream lock each other and abort.

A deleted stream stays deleted: the stream document is only ever updated (an
update needs it to exist, and fails the whole transaction otherwise), and it is
created for a segment of an unregistered stream only when no tombstone says it
was deleted. Either way the segment is acknowledged unwritten (StreamGone).
"""

from __future__ import annotations

import logging
from typing import Any

from google.api_core.exceptions import AlreadyExists, NotFound
from google.api_core.retry import Retry
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from functions.aggregates import contribution, stream_update
from functions.appearances import appearance_id, part_fields, segment_runs
from functions.doc_size import fit
from functions.errors import StreamGone
from mediacore.names import segment_doc_id
from mediacore.schema import SegmentResult
from mediacore.stats import percentile
from mediacore.streams import StreamRegistry

log = logging.getLogger(__name__)

# Fail fast when Firestore is unreachable: the function then answers 5xx well
# inside the event source's ack deadline, and the event is delivered again.
READ_RETRY = Retry(initial=0.2, maximum=2.0, multiplier=2.0, timeout=10.0)
READ_TIMEOUT = 5.0

STATUS_COUNTER = {"done": "analyzed", "failed": "failed", "skipped": "skipped"}


def newer_generation(candidate: str, stored: str) -> bool:
    """Whether ``candidate`` should replace ``stored``.

    GCS generations are integers that grow; S3 ETags and version ids are
    opaque, so a different one is taken as newer (last writer wins).
    """
    if candidate == stored:
        return False
    if candidate.isdigit() and stored.isdigit():
        return int(candidate) > int(stored)
    return True


def supersedes(generation: str, revision: int, old: dict[str, Any] | None) -> bool:
    """Whether a result of ``generation`` (and backfill ``revision``) replaces the stored
    ``old`` (None: nothing stored)."""
    if old is None:
        return True
    old_generation = str(old.get("generation"))
    if generation == old_generation:
        return int(revision or 0) > int(old.get("revision") or 0)
    return newer_generation(generation, old_generation)


class ResultWriter:
    def __init__(self, client: firestore.Client):
        self._db = client
        self._streams = StreamRegistry(client)
        self._known_streams: set[str] = set()
        self._last_warnings: dict[str, tuple] = {}

    def stream_ref(self, stream_id: str):
        return self._streams.ref(stream_id)

    def segment_ref(self, stream_id: str, seq: int):
        return self.stream_ref(stream_id).collection("segments").document(segment_doc_id(seq))

    def is_current(self, stream_id: str, seq: int, generation: str, revision: int = 0) -> bool:
        """A cheap pre-check before decoding: is this generation (and revision) written?"""
        snapshot = self.segment_ref(stream_id, seq).get(
            field_paths=["generation", "revision"], retry=READ_RETRY, timeout=READ_TIMEOUT
        )
        if not snapshot.exists:
            return False
        return not supersedes(generation, revision, snapshot.to_dict())

    def write(self, stream_id: str, result: SegmentResult) -> bool:
        """Store a segment result; False when it was already there (nothing written).
        Raises StreamGone when the stream was deleted (also while this ran)."""
        self.ensure_stream(stream_id)
        segment_ref = self.segment_ref(stream_id, result.seq)
        stream_ref = self.stream_ref(stream_id)
        left_out = fit(result, segment_ref.path)
        if left_out:
            log.warning(
                "segment %s/%d: %d lowest-scoring labels left out to fit one document",
                stream_id,
                result.seq,
                left_out,
            )
        previous = self._previous_open_runs(stream_id, result)
        runs = segment_runs(result, previous)
        result.open_runs = runs.open_runs
        # Appearance parts first: they are idempotent (keyed by segment), so a crash
        # before the segment's write is repaired by the redelivery, never lost.
        if result.status == "done":
            self._write_appearances(stream_id, result.seq, runs)
        live = result.status == "done" and not result.revision
        derived = self._live_fields(stream_id, result) if live else {}
        transaction = self._db.transaction()
        try:
            written = _write_in_transaction(transaction, segment_ref, stream_ref, result, derived)
        except NotFound as exc:  # the stream document went while we analysed
            self._known_streams.discard(stream_id)
            raise StreamGone(f"stream {stream_id} was deleted") from exc
        if written and "analysis_warnings" in derived:
            self._last_warnings[stream_id] = tuple(derived["analysis_warnings"]["messages"])
        return written

    def _previous_open_runs(self, stream_id: str, result: SegmentResult) -> dict[str, float]:
        """The runs still open at the end of the segment before this one (if written)."""
        if result.status != "done" or result.seq == 0:
            return {}
        snapshot = self.segment_ref(stream_id, result.seq - 1).get(
            field_paths=["open_runs"], retry=READ_RETRY, timeout=READ_TIMEOUT
        )
        return (snapshot.get("open_runs") or {}) if snapshot.exists else {}

    def _write_appearances(self, stream_id: str, seq: int, runs) -> None:
        collection = self.stream_ref(stream_id).collection("appearances")
        for part in runs.parts:
            fields = part_fields(seq, part)
            fields["end"] = firestore.Maximum(part.end)
            collection.document(appearance_id(part.brand, part.start, part.source)).set(
                fields, merge=True
            )

    def _live_fields(self, stream_id: str, result: SegmentResult) -> dict:
        """What a live result changes on the stream besides its counters: latency p50/p95
        and lag over the newest segments, and the warnings when they changed. Written in
        the result's own transaction: the stream document takes one write per segment."""
        fields: dict = {}
        try:
            stats = self._latency(stream_id, result)
        except Exception:  # a derived statistic: the next segment recomputes it
            log.exception("latency stats of %s not computed", stream_id)
            stats = None
        if stats:
            fields["stats"] = stats
        key = tuple(sorted(result.warnings))
        if self._last_warnings.get(stream_id) != key:
            # What the latest segment warned about (a model missing, a logo reference
            # unusable), for the dashboard's brand panel.
            fields["analysis_warnings"] = {"messages": list(key), "seq": result.seq}
        return fields

    def _latency(self, stream_id: str, result: SegmentResult, window: int = 20) -> dict | None:
        """Upload -> result latency p50/p95 over the newest live segments, this one included.

        Derived from the segment documents, read outside the transaction (reading in it
        would make concurrent segments of a stream lock each other), so idempotent.
        """
        recent = (
            self.stream_ref(stream_id)
            .collection("segments")
            .order_by("seq", direction=firestore.Query.DESCENDING)
            .limit(window)
            .select(["seq", "timings", "status", "program_date_time", "duration", "revision"])
            .stream(retry=READ_RETRY, timeout=READ_TIMEOUT)
        )
        docs = {snapshot.get("seq"): snapshot.to_dict() for snapshot in recent}
        docs[result.seq] = result.to_firestore()
        latencies, lag = [], None
        for seq in sorted(docs, reverse=True)[:window]:
            doc = docs[seq]
            if doc.get("revision"):
                continue  # re-analysed by a backfill: not live latency
            timings = doc.get("timings") or {}
            if doc.get("status") == "done" and timings.get("uploaded_at"):
                latencies.append((timings["finished_at"] - timings["uploaded_at"]).total_seconds())
            if lag is None and doc.get("program_date_time") and timings.get("finished_at"):
                end = doc["program_date_time"].timestamp() + float(doc.get("duration") or 0)
                lag = round(timings["finished_at"].timestamp() - end, 3)
        if not latencies:
            return None
        stats = {
            "latency_p50_ms": round(1000 * percentile(latencies, 50), 1),
            "latency_p95_ms": round(1000 * percentile(latencies, 95), 1),
            "latency_window": len(latencies),
        }
        if lag is not None:
            stats["lag_s"] = lag
        return stats

    def ensure_stream(self, stream_id: str) -> None:
        """Give segments of a stream nobody registered (e.g. uploaded by a script) the
        stream document the dashboard expects, unless the stream was deleted (StreamGone).
        Once per stream and process."""
        if stream_id in self._known_streams:
            return
        ref = self.stream_ref(stream_id)
        if not ref.get(field_paths=["name"], retry=READ_RETRY, timeout=READ_TIMEOUT).exists:
            if self._streams.was_deleted(stream_id):
                raise StreamGone(f"stream {stream_id} was deleted")
            try:
                ref.create(
                    {
                        "name": stream_id,
                        "status": "idle",
                        "mode": "realtime",
                        "created_at": firestore.SERVER_TIMESTAMP,
                        "stats": {"segments": 0, "analyzed": 0, "failed": 0, "skipped": 0},
                    }
                )
            except AlreadyExists:
                pass
        self._known_streams.add(stream_id)


@firestore.transactional
def _write_in_transaction(
    transaction, segment_ref, stream_ref, result: SegmentResult, derived: dict
) -> bool:
    # Only the segment document is read: reading the stream document too would
    # make concurrent segments of one stream lock each other. Its counters move
    # with server-side increments instead.
    existing = segment_ref.get(transaction=transaction)
    old = existing.to_dict() if existing.exists else None
    if not supersedes(result.generation, result.revision, old):
        return False

    delta = {"segments": 1} if old is None else {}
    old_counter = STATUS_COUNTER.get((old or {}).get("status", ""))
    if old_counter:
        delta[old_counter] = delta.get(old_counter, 0) - 1
    new_counter = STATUS_COUNTER[result.status]
    delta[new_counter] = delta.get(new_counter, 0) + 1
    counters = {name: firestore.Increment(n) for name, n in delta.items() if n}

    totals = stream_update(
        contribution(result),
        contribution(None if old is None else SegmentResult.model_validate(old)),
        firestore.Increment,
        firestore.Minimum,
        firestore.Maximum,
    )
    transaction.set(segment_ref, result.to_firestore())
    update = {"updated_at": firestore.SERVER_TIMESTAMP, **totals, **derived}
    if counters or derived.get("stats"):
        update["stats"] = {**counters, **derived.get("stats", {})}
    # An update, not a merge: it fails (NotFound) if the stream was deleted meanwhile.
    transaction.update(stream_ref, field_paths(update))
    return True


def field_paths(nested: dict, prefix: tuple[str, ...] = ()) -> dict:
    """{"stats": {"analyzed": x}} -> {"stats.analyzed": x}: an update sets only these
    fields (a map value would replace the whole map). Brand names may hold dots, so each
    part is quoted as Firestore needs."""
    flat = {}
    for key, value in nested.items():
        path = (*prefix, str(key))
        if isinstance(value, dict):
            flat.update(field_paths(value, path))
        else:
            flat[FieldPath(*path).to_api_repr()] = value
    return flat
