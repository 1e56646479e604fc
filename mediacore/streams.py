"""Stream registry in Firestore (``streams/{id}``): creation, stream keys, publish status.

Shared by the ingest (publish auth and status) and the control API.

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
from dataclasses import dataclass
from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore

from mediacore.names import check_stream_id

KEY_BYTES = 24


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

    def ref(self, stream_id: str):
        return self._db.collection("streams").document(check_stream_id(stream_id))

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

    def update(self, stream_id: str, fields: dict[str, Any]) -> None:
        self.ref(stream_id).update(fields)

    def get(self, stream_id: str) -> dict[str, Any] | None:
        snapshot = self.ref(stream_id).get()
        return snapshot.to_dict() if snapshot.exists else None

    def page(self, size: int, after: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Streams in id order, ``size`` at a time, starting after the id ``after``."""
        query = self._db.collection("streams").order_by("__name__").limit(size)
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
