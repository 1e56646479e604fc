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
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore

from mediacore.names import check_stream_id

KEY_BYTES = 24
COLLECTION = "streams"


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


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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

    def create(self, name: str, stream_id: str | None = None, **fields: Any) -> NewStream:
        stream_id = check_stream_id(stream_id or slugify(name))
        secret = secrets.token_urlsafe(KEY_BYTES)
        try:
            self.ref(stream_id).create(
                {
                    "name": name,
                    "status": "idle",
                    "mode": "realtime",
                    "key_hash": hash_key(secret),
                    "created_at": firestore.SERVER_TIMESTAMP,
                    "stats": {"segments": 0, "analyzed": 0, "failed": 0, "skipped": 0},
                    **fields,
                }
            )
        except AlreadyExists as exc:
            raise StreamExists(stream_id) from exc
        return NewStream(stream_id, name, secret)

    def authorize(self, stream_id: str, secret: str | None) -> bool:
        """Whether ``secret`` is the stream's current key. Unknown streams never pass."""
        if not secret:
            return False
        snapshot = self.ref(stream_id).get(field_paths=["key_hash"])
        if not snapshot.exists or not snapshot.get("key_hash"):
            return False
        return hmac.compare_digest(snapshot.get("key_hash"), hash_key(secret))

    def mark_live(self, stream_id: str, publisher: str = "") -> None:
        self.ref(stream_id).update(
            {
                "status": "live",
                "live_since": firestore.SERVER_TIMESTAMP,
                "ended_at": firestore.DELETE_FIELD,
                "ingest.publisher": publisher,
                "ingest.publishes": firestore.Increment(1),
            }
        )

    def mark_ended(self, stream_id: str) -> None:
        self.ref(stream_id).update({"status": "ended", "ended_at": firestore.SERVER_TIMESTAMP})

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
        self.ref(stream_id).update(fields)

    def update(self, stream_id: str, fields: dict[str, Any]) -> None:
        self.ref(stream_id).update(fields)

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
        """A new key for the stream; the old one stops working at once (next on_publish)."""
        secret = secrets.token_urlsafe(KEY_BYTES)
        self.ref(stream_id).update(
            {"key_hash": hash_key(secret), "key_rotated_at": firestore.SERVER_TIMESTAMP}
        )
        return NewStream(stream_id, "", secret)

    def delete(self, stream_id: str) -> None:
        """The stream, its key and its results (segments, backfills). The bucket's media
        is left to the bucket's lifecycle rule."""
        self._db.recursive_delete(self.ref(stream_id))
