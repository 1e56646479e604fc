"""Stream registry in Firestore (``streams/{id}``): creation, stream keys, publish status.

Shared by the ingest (publish auth and status, upload progress) and the control
API. It owns the stream document: callers say what happened, and only this
module knows the collection and Firestore's field transforms.

A publisher authenticates with OBS's "Stream Key" field set to
``{stream_id}?key={secret}``: nginx-rtmp hands the stream name and the
``key`` argument to the ``on_publish`` hook separately, so HLS folders and
object names carry only the stream id and the secret never reaches disk.
Only ``sha256(secret)`` is stored; the secret is 192 random bits, so a fast
hash is enough (there is nothing to brute-force).

Browsers read ``streams/{id}`` (firestore.rules), so what no browser may see — the
key's hash and who publishes from where — lives in ``streams/{id}/private/publish``,
which the rules give no one. Per-stream switches of the costly brand signals live on the
stream document, ``signals: {"text": bool, "speech": bool}`` (read by the analysis with
``mode``; a switch never set, as on streams made before them, takes the deployment's
default, on unless settings say otherwise: :func:`signals_of`).
One publisher at a time: the accepted RTMP session
(nginx's process ``instance`` and ``client_id``) is recorded there, re-checked while it
runs, and only its own end ends the stream.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from google.api_core.exceptions import Aborted, AlreadyExists
from google.api_core.retry import Retry, if_exception_type
from google.cloud import firestore

from mediacore.names import check_stream_id

KEY_BYTES = 24
COLLECTION = "streams"
# deleted_streams/{id}: a deleted stream's tombstone, so that a segment analysed after the
# delete does not bring the stream back (mediacore.streams.StreamRegistry.was_deleted).
TOMBSTONES = "deleted_streams"
PRIVATE = ("private", "publish")  # subcollection and document under streams/{id}
# Brand signals beyond logos that a stream can switch off (OCR text, speech).
SIGNALS = ("text", "speech")
# Where streams made before the private record kept these (browser-readable).
LEGACY_FIELDS = ("key_hash", "key_rotated_at", "ingest.publisher")


# A plain write to a document that a result transaction holds is refused with ABORTED
# (the Firestore emulator: "Transaction lock timeout"): it was not applied, so it is sent
# again (an Increment included) rather than lost from the ingest's counters.
WRITE_RETRY = Retry(predicate=if_exception_type(Aborted), initial=0.2, maximum=2.0, timeout=15.0)


class StreamExists(Exception):
    pass


@dataclass(frozen=True)
class NewStream:
    stream_id: str
    name: str
    secret: str

    @property
    def stream_key(self) -> str:
        """What goes into OBS's "Stream Key" field."""
        return f"{self.stream_id}?key={self.secret}"


@dataclass(frozen=True)
class Publisher:
    """One RTMP publish session as nginx-rtmp names it in its callbacks."""

    instance: str  # this nginx process (a fresh token at each start)
    client_id: str  # nginx's connection number, unique within the instance
    addr: str = ""  # the publisher's address: personal data, kept private

    def same_session(self, record: dict[str, Any] | None) -> bool:
        return bool(record) and (record.get("instance"), record.get("client_id")) == (
            self.instance,
            self.client_id,
        )


class PublishVerdict(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"  # unknown stream or wrong key
    BUSY = "busy"  # another session is publishing this stream


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def signals_of(
    doc: Mapping[str, Any] | None, defaults: Mapping[str, bool] | None = None
) -> dict[str, bool]:
    """A stream's signal switches: each as stored, else its default (``defaults``, on)."""
    stored = (doc or {}).get("signals")
    stored = stored if isinstance(stored, Mapping) else {}
    defaults = defaults or {}
    return {
        name: stored[name] if isinstance(stored.get(name), bool) else defaults.get(name, True)
        for name in SIGNALS
    }


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "stream"


class StreamRegistry:
    def __init__(self, client: firestore.Client):
        self._db = client

    @classmethod
    def for_project(cls, project_id: str) -> StreamRegistry:
        """A registry on its own Firestore client (the emulator when FIRESTORE_EMULATOR_HOST
        is set)."""
        return cls(firestore.Client(project=project_id))

    def _streams(self):
        return self._db.collection(COLLECTION)

    def ref(self, stream_id: str):
        return self._streams().document(check_stream_id(stream_id))

    def _private(self, stream_id: str):
        return self.ref(stream_id).collection(PRIVATE[0]).document(PRIVATE[1])

    def create(self, name: str, stream_id: str | None = None, **fields: Any) -> NewStream:
        stream_id = check_stream_id(stream_id or slugify(name))
        if self.media_pending(stream_id):  # the old stream's media would show in the new one
            raise StreamExists(f"{stream_id} (still being deleted: DELETE it again to finish)")
        secret = secrets.token_urlsafe(KEY_BYTES)
        batch = self._db.batch()
        batch.create(
            self.ref(stream_id),
            {
                "name": name,
                "status": "idle",
                "mode": "realtime",
                "created_at": firestore.SERVER_TIMESTAMP,
                "stats": {"segments": 0, "analyzed": 0, "failed": 0, "skipped": 0},
                **fields,
            },
        )
        batch.create(self._private(stream_id), {"key_hash": hash_key(secret)})
        try:
            batch.commit()
        except AlreadyExists as exc:
            raise StreamExists(stream_id) from exc
        return NewStream(stream_id, name, secret)

    def _record(self, transaction, stream_id: str) -> dict[str, Any] | None:
        """The stream's private record, or None when there is no such stream. A stream made
        before the record existed has its key hash moved here, off the public document.
        Reads first, then writes: callers may only write after this."""
        private = self._private(stream_id).get(transaction=transaction)
        if private.exists:
            return private.to_dict()
        stream = self.ref(stream_id).get(field_paths=["key_hash"], transaction=transaction)
        if not stream.exists:
            return None
        legacy = stream.to_dict().get("key_hash")
        record = {"key_hash": legacy} if legacy else {}
        transaction.set(self._private(stream_id), record)
        transaction.update(
            self.ref(stream_id), dict.fromkeys(LEGACY_FIELDS, firestore.DELETE_FIELD)
        )
        return record

    def _run(self, work, *args):
        return firestore.transactional(work)(self._db.transaction(), *args)

    def authorize(self, stream_id: str, secret: str | None) -> bool:
        """Whether ``secret`` is the stream's current key. Unknown streams never pass."""
        if not secret:
            return False
        record = self._run(self._record, stream_id)
        return _key_matches(record, secret)

    def start_publish(
        self, stream_id: str, secret: str | None, publisher: Publisher, stale_after_s: float
    ) -> PublishVerdict:
        """nginx's on_publish: accept ``publisher`` if the key is right and no other session
        of this nginx is publishing the stream. A recorded session that stopped being
        re-checked for ``stale_after_s`` (or belongs to an nginx that restarted) is gone."""

        def work(transaction) -> PublishVerdict:
            record = self._record(transaction, stream_id)
            if not secret or not _key_matches(record, secret):
                return PublishVerdict.REFUSED
            current = record.get("publisher")
            if (
                current
                and not publisher.same_session(current)
                and current.get("instance") == publisher.instance
                and _fresh(current.get("seen_at"), stale_after_s)
            ):
                return PublishVerdict.BUSY
            now = firestore.SERVER_TIMESTAMP
            session = {
                "instance": publisher.instance,
                "client_id": publisher.client_id,
                "addr": publisher.addr,
                "since": now,
                "seen_at": now,
            }
            transaction.update(self._private(stream_id), {"publisher": session})
            transaction.update(
                self.ref(stream_id),
                {
                    "status": "live",
                    "live_since": now,
                    "ended_at": firestore.DELETE_FIELD,
                    "ingest.publishes": firestore.Increment(1),
                },
            )
            return PublishVerdict.ACCEPTED

        return self._run(work)

    def check_publish(
        self, stream_id: str, secret: str | None, publisher: Publisher, timeout: float
    ) -> bool:
        """nginx's on_update: may this running session go on? Not once the key was rotated,
        the stream deleted or another session accepted. Says the session is still alive."""
        snapshot = self._private(stream_id).get(timeout=timeout)
        record = snapshot.to_dict() if snapshot.exists else self._run(self._record, stream_id)
        if not secret or not _key_matches(record, secret):
            return False
        current = record.get("publisher")
        if current and not publisher.same_session(current):
            return False
        field = "publisher.seen_at" if current else "publisher"
        value = (
            firestore.SERVER_TIMESTAMP
            if current
            else {
                "instance": publisher.instance,
                "client_id": publisher.client_id,
                "addr": publisher.addr,
                "seen_at": firestore.SERVER_TIMESTAMP,
            }
        )
        self._private(stream_id).update({field: value}, timeout=timeout)
        return True

    def publisher(self, stream_id: str) -> dict[str, Any] | None:
        """The accepted publish session (instance, client_id, addr, since, seen_at), if any."""
        snapshot = self._private(stream_id).get(field_paths=["publisher"])
        return snapshot.to_dict().get("publisher") if snapshot.exists else None

    def end_publish(self, stream_id: str, publisher: Publisher) -> bool:
        """nginx's on_publish_done: end the stream if ``publisher`` is its accepted session
        (or none is recorded). False: another session owns the stream; nothing changes."""

        def work(transaction) -> bool:
            record = self._record(transaction, stream_id)
            if record is None:
                return True  # deleted while publishing: nothing to end
            current = record.get("publisher")
            if current and not publisher.same_session(current):
                return False
            transaction.update(self._private(stream_id), {"publisher": firestore.DELETE_FIELD})
            transaction.update(
                self.ref(stream_id),
                {"status": "ended", "ended_at": firestore.SERVER_TIMESTAMP},
            )
            return True

        return self._run(work)

    def record_uploads(
        self,
        stream_id: str,
        count: int,
        last_seq: int,
        playlist: str,
        keyframe_interval_s: float | None = None,
        keyframe_warning: str | None = None,
        gaps: Sequence[tuple[int, int]] = (),
    ) -> None:
        """The ingest shipped ``count`` more segments, the newest ``last_seq``.

        ``keyframe_interval_s`` None leaves the measured interval and its warning as
        they are; otherwise the warning is set, or cleared when None. ``gaps`` are
        ``(before_seq, missing_fragments)`` pairs, added to the stream's count and log.
        """
        fields: dict[str, Any] = {
            "ingest.last_seq": last_seq,
            "ingest.last_upload_at": firestore.SERVER_TIMESTAMP,
            "ingest.uploaded": firestore.Increment(count),
            "playlist": playlist,
        }
        if keyframe_interval_s is not None:
            fields["keyframe_interval_s"] = keyframe_interval_s
            fields["warnings.keyframe_interval"] = keyframe_warning or firestore.DELETE_FIELD
        if gaps:
            fields["ingest.gaps"] = firestore.Increment(sum(missing for _, missing in gaps))
            fields["ingest.gap_log"] = firestore.ArrayUnion(
                [{"before_seq": seq, "missing_fragments": missing} for seq, missing in gaps]
            )
        self.ref(stream_id).update(fields, retry=WRITE_RETRY)

    def record_drops(
        self, stream_id: str, reasons: Mapping[str, int], last_seq: int | None
    ) -> None:
        """The ingest dropped segments unshipped, counted by reason (e.g. its spool was full
        during a bucket outage): ``ingest.dropped`` and ``ingest.dropped_by_reason``.
        ``last_seq`` is None when only fragments without a number yet were dropped."""
        fields: dict[str, Any] = {
            "ingest.dropped": firestore.Increment(sum(reasons.values())),
            "ingest.last_drop_at": firestore.SERVER_TIMESTAMP,
        }
        if last_seq is not None:
            fields["ingest.last_dropped_seq"] = last_seq
        for reason, count in reasons.items():
            fields[f"ingest.dropped_by_reason.{reason}"] = firestore.Increment(count)
        self.ref(stream_id).update(fields, retry=WRITE_RETRY)

    def update(self, stream_id: str, fields: dict[str, Any]) -> None:
        self.ref(stream_id).update(fields, retry=WRITE_RETRY)

    @staticmethod
    def signal_fields(switches: Mapping[str, bool | None]) -> dict[str, bool]:
        """Update fields that set the given switches alone (``signals.text``), leaving the
        others as they are; a None switch is left out. Unknown names raise ValueError."""
        unknown = set(switches) - set(SIGNALS)
        if unknown:
            raise ValueError(f"unknown signals {sorted(unknown)}")
        return {f"signals.{k}": bool(v) for k, v in switches.items() if v is not None}

    def get(self, stream_id: str) -> dict[str, Any] | None:
        snapshot = self.ref(stream_id).get()
        return snapshot.to_dict() if snapshot.exists else None

    def page(self, size: int, after: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Streams in id order, ``size`` at a time, starting after the id ``after``."""
        query = self._streams().order_by("__name__").limit(size)
        if after:
            query = query.start_after({"__name__": self.ref(after)})
        return [(snapshot.id, snapshot.to_dict()) for snapshot in query.stream()]

    def rotate_key(self, stream_id: str) -> NewStream:
        """A new key for the stream. The old one is refused from the next publish on, and
        a session publishing with it is dropped at its next re-check (on_update)."""
        secret = secrets.token_urlsafe(KEY_BYTES)

        def work(transaction) -> None:
            if self._record(transaction, stream_id) is None:
                raise KeyError(stream_id)
            fields = {"key_hash": hash_key(secret), "key_rotated_at": firestore.SERVER_TIMESTAMP}
            transaction.set(self._private(stream_id), fields, merge=True)

        self._run(work)
        return NewStream(stream_id, "", secret)

    def delete(self, stream_id: str) -> None:
        """The stream, its key and its results (segments, backfills); a session publishing
        to it is dropped at its next re-check. A tombstone stays behind (was_deleted); the
        media goes with functions/deletion.py."""
        self.mark_deleted(stream_id)
        self._db.recursive_delete(self.ref(stream_id))

    def _tombstone(self, stream_id: str):
        return self._db.collection(TOMBSTONES).document(check_stream_id(stream_id))

    def mark_deleted(self, stream_id: str, media_pending: bool | None = None) -> None:
        """Leave the tombstone first: from now on nothing re-creates the stream by itself.
        ``media_pending``: whether its media is still being deleted (functions/deletion.py);
        until it is gone, the id cannot be created again."""
        fields: dict[str, Any] = {"deleted_at": firestore.SERVER_TIMESTAMP}
        if media_pending is not None:
            fields["media_pending"] = media_pending
        self._tombstone(stream_id).set(fields, merge=True)

    def media_pending(self, stream_id: str) -> bool:
        """Whether a deleted stream of this id still has media to delete."""
        snapshot = self._tombstone(stream_id).get()
        return bool(snapshot.exists and (snapshot.to_dict() or {}).get("media_pending"))

    def was_deleted(self, stream_id: str) -> bool:
        """Whether a stream of this id was deleted (it may have been created again since)."""
        return self._tombstone(stream_id).get().exists


def _key_matches(record: dict[str, Any] | None, secret: str) -> bool:
    stored = (record or {}).get("key_hash")
    return bool(stored) and hmac.compare_digest(stored, hash_key(secret))


def _fresh(seen_at: datetime | None, within_s: float) -> bool:
    return seen_at is not None and datetime.now(UTC) - seen_at < timedelta(seconds=within_s)
