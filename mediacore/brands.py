"""The managed brand list (Firestore ``brands/{brand_id}``) and its logo library in the bucket.

Brand ids are slugs (a-z, 0-9, '-'): they are the label the models report, the
folder of the brand's reference logos (``{logo_bucket_prefix}{brand_id}/``) and
the key of the stream aggregates, so all three join. Logos are stored under a
content hash, so uploading the same image twice stores it once; an SVG is stored as its
PNG rendering (``mediacore.logo_images``), so no one renders a user's SVG again. Every change
moves the library version (``meta/brand_library``), which the analyze function
reads per segment: the model service rebuilds its library and the brand list is
re-read from the next segment on.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from google.cloud import firestore

from mediacore.logo_images import as_stored
from mediacore.storage import ObjectStore

# One small document whose version moves with every change to the library; the analyze
# function reads it for each segment and hands it to the model service, which rebuilds
# its library when it differs: an upload counts from the next segment analysed.
LIBRARY_VERSION_DOC = ("meta", "brand_library")
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


@dataclass(frozen=True)
class StoredLogo:
    logo_id: str
    brand_id: str
    object: str
    size: int
    content_type: str | None


class BrandLibrary:
    def __init__(
        self, client: firestore.Client, store: ObjectStore | None, prefix: str = "brands/"
    ):
        self._db = client
        self._store = store
        self._prefix = prefix

    def ref(self, brand_id: str):
        return self._db.collection("brands").document(brand_id)

    def bump_version(self) -> None:
        self._db.collection(LIBRARY_VERSION_DOC[0]).document(LIBRARY_VERSION_DOC[1]).set(
            {"version": firestore.Increment(1), "updated_at": firestore.SERVER_TIMESTAMP},
            merge=True,
        )

    def record_check(self, brand_id: str, logo_id: str, verdict: dict | None) -> None:
        """Keep the upload check's verdict beside the brand, for the API and dashboard."""
        self.ref(brand_id).set({"logo_checks": {logo_id.replace(".", "_"): verdict}}, merge=True)

    def checks(self, brand_id: str) -> dict:
        doc = self.get(brand_id) or {}
        return doc.get("logo_checks") or {}

    def all(self) -> list[dict]:
        return [
            {"brand_id": s.id, **s.to_dict()}
            for s in self._db.collection("brands").order_by("__name__").stream()
        ]

    def get(self, brand_id: str) -> dict | None:
        snapshot = self.ref(brand_id).get()
        return {"brand_id": brand_id, **snapshot.to_dict()} if snapshot.exists else None

    def put(self, brand_id: str, name: str) -> bool:
        """Create or rename; True when it was created."""
        created = not self.ref(brand_id).get().exists
        self.ref(brand_id).set({"name": name, "updated_at": firestore.SERVER_TIMESTAMP}, merge=True)
        self.bump_version()
        return created

    def delete(self, brand_id: str) -> None:
        for logo in self.logos(brand_id):
            self._store.delete(logo.object)
        self.ref(brand_id).delete()
        self.bump_version()

    def folder(self, brand_id: str) -> str:
        return f"{self._prefix}{brand_id}/"

    def logos(self, brand_id: str) -> list[StoredLogo]:
        return [
            StoredLogo(o.name.rsplit("/", 1)[1], brand_id, o.name, o.size, o.content_type)
            for o in self._store.list(self.folder(brand_id))
        ]

    def add_logo(self, brand_id: str, data: bytes) -> StoredLogo:
        """Store a checked logo (an SVG as its bounded PNG; raises InvalidLogo)."""
        data, extension = as_stored(data)
        logo_id = f"{hashlib.sha256(data).hexdigest()[:16]}.{extension}"
        name = self.folder(brand_id) + logo_id
        content_type = next(t for t, e in LOGO_TYPES.items() if e == extension)
        self._store.put(name, data, content_type=content_type)
        self.bump_version()
        return StoredLogo(logo_id, brand_id, name, len(data), content_type)

    def delete_logo(self, brand_id: str, logo_id: str) -> bool:
        name = self.folder(brand_id) + logo_id
        if self._store.stat(name) is None:
            return False
        self._store.delete(name)
        self.bump_version()
        return True


class BrandNames:
    """The brand ids the models should look for: settings' list plus the managed list.
    Re-read when the library version moves (every brand change moves it), or, without a
    version, at most every ``ttl`` seconds."""

    def __init__(self, client, fixed: list[str], ttl: float = 5.0):
        self._db = client
        self._fixed = list(fixed)
        self._ttl = ttl
        self._cached: tuple[float, str | None, dict[str, list[str]]] | None = None
        self._lock = threading.Lock()

    def library_version(self) -> str:
        """The library's current version; read for every segment (one small document), so
        that a change reaches the model service with the next segment."""
        snapshot = (
            self._db.collection(LIBRARY_VERSION_DOC[0]).document(LIBRARY_VERSION_DOC[1]).get()
        )
        return str(snapshot.get("version")) if snapshot.exists else ""

    def names(self, version: str | None = None) -> list[str]:
        return list(self.terms(version))

    def terms(self, version: str | None = None) -> dict[str, list[str]]:
        """brand id -> the ways its name is written or said: the display name, the id read
        as words, and the aliases (``brands/{id}.aliases``); what OCR text and transcripts
        are matched against."""
        now = time.monotonic()
        with self._lock:
            if self._cached:
                read_at, read_version, terms = self._cached
                fresh = read_version == version if version else now - read_at < self._ttl
                if fresh:
                    return terms
        terms = {brand: [brand] for brand in self._fixed}
        for snapshot in self._db.collection("brands").select(["name", "aliases"]).stream():
            doc = snapshot.to_dict() or {}
            spelled = [doc.get("name") or "", snapshot.id.replace("-", " ")]
            spelled += [a for a in doc.get("aliases") or [] if isinstance(a, str)]
            terms[snapshot.id] = list(dict.fromkeys(t.strip() for t in spelled if t.strip()))
        with self._lock:
            self._cached = (now, version, terms)
        return terms
