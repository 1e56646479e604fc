"""Storage port: one small interface for the segment bucket, with two adapters.

- :class:`GcsStore` uses google-cloud-storage. It talks to real GCS, or to
  fake-gcs-server when ``STORAGE_EMULATOR_HOST`` is set (anonymous credentials).
- :class:`S3Store` uses boto3. It talks to MinIO or any S3-compatible server
  through ``MA_S3_ENDPOINT_URL``.

Both offer an idempotent :meth:`create` that never overwrites: GCS with
``if_generation_match=0``, S3 with ``If-None-Match: *``. A second create of
the same name raises :class:`ObjectExists`, which uploaders treat as success.

``generation`` is GCS's object generation; S3 has none, so the S3 adapter uses
the version id where versioning is on and the ETag otherwise. Either way it is
an opaque string that changes when an object's content is replaced.

Every call ends within a deadline (``MA_STORAGE_DEADLINE_S``, retries included):
the libraries' defaults retry for up to 120 s against a bucket that refuses
connections, which would hold an ingest pass or a whole analysis past every
deadline above it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mediacore.settings import Settings, get_settings

log = logging.getLogger(__name__)


class StorageError(Exception):
    """Base of the storage port's errors."""


class ObjectExists(StorageError):
    """create() found the name taken: the object was uploaded before."""


class ObjectNotFound(StorageError):
    """No such object, or not at the requested generation (it was replaced)."""


@dataclass(frozen=True)
class StoredObject:
    name: str
    generation: str
    size: int
    metadata: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    updated: datetime | None = None


class ObjectStore(Protocol):
    bucket: str

    def ensure_bucket(self, cors_origins: Sequence[str] = ()) -> None: ...

    def create(
        self,
        name: str,
        data: bytes,
        *,
        metadata: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> StoredObject:
        """Upload only if the name is free; raise ObjectExists otherwise."""
        ...

    def put(
        self,
        name: str,
        data: bytes,
        *,
        metadata: dict[str, str] | None = None,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> StoredObject:
        """Upload, replacing any existing object (playlists)."""
        ...

    def read(self, name: str, generation: str | None = None) -> bytes: ...

    def stat(self, name: str) -> StoredObject | None: ...

    def list(self, prefix: str = "") -> Iterator[StoredObject]: ...

    def delete(self, name: str) -> None: ...

    def public_url(self, name: str) -> str:
        """Path-style URL a player can fetch (relative segment URLs resolve against it)."""
        ...

    def signed_url(self, name: str, expires_s: int) -> str | None:
        """A time-limited GET URL for a private object; None where the store cannot sign
        (an emulator without signing keys): callers then serve the bytes themselves."""
        ...


# Seconds one connection attempt may take, within the call's deadline.
CONNECT_TIMEOUT_S = 5.0
DEFAULT_DEADLINE_S = 10.0


class GcsStore:
    def __init__(
        self,
        bucket: str,
        project: str,
        emulator_host: str | None = None,
        deadline_s: float = DEFAULT_DEADLINE_S,
    ):
        from google.cloud import storage
        from google.cloud.storage.retry import DEFAULT_RETRY

        if emulator_host:
            import requests
            from google.auth.credentials import AnonymousCredentials

            # The client reads STORAGE_EMULATOR_HOST itself; anonymous credentials
            # keep it from looking for a service account that does not exist locally.
            # The emulator is local: skip requests' per-call scan of the environment
            # for proxy settings (a few ms of CPU per request, per segment twice).
            session = requests.Session()
            session.trust_env = False
            client = storage.Client(
                project=project, credentials=AnonymousCredentials(), _http=session
            )
        else:
            client = storage.Client(project=project)
        self._client = client
        # Per attempt (connect, read) and for all attempts together.
        self._call = {
            "timeout": (min(CONNECT_TIMEOUT_S, deadline_s), deadline_s),
            "retry": DEFAULT_RETRY.with_timeout(deadline_s),
        }
        self._emulator_host = emulator_host
        self.bucket = bucket
        self._bucket = client.bucket(bucket)

    def public_url(self, name: str) -> str:
        base = self._emulator_host or "https://storage.googleapis.com"
        return f"{base.rstrip('/')}/{self.bucket}/{name}"

    def signed_url(self, name, expires_s):
        if self._emulator_host:
            return None  # fake-gcs-server: no keys to sign with
        from datetime import timedelta

        import google.auth
        from google.auth.transport.requests import Request

        credentials, _ = google.auth.default()
        extra = {}
        if not getattr(credentials, "signer", None):
            # Cloud Run's metadata-server identity holds no private key: sign through
            # IAM (the service account needs roles/iam.serviceAccountTokenCreator on itself).
            credentials.refresh(Request())
            extra = {
                "service_account_email": credentials.service_account_email,
                "access_token": credentials.token,
            }
        return self._bucket.blob(name).generate_signed_url(
            version="v4", expiration=timedelta(seconds=expires_s), method="GET", **extra
        )

    def ensure_bucket(self, cors_origins: Sequence[str] = ()) -> None:
        from google.api_core.exceptions import Conflict

        try:
            self._client.create_bucket(self.bucket, **self._call)
            log.info("created bucket %s", self.bucket)
        except Conflict:
            pass
        if cors_origins:
            bucket = self._client.get_bucket(self.bucket, **self._call)
            bucket.cors = [
                {
                    "origin": list(cors_origins),
                    "method": ["GET", "HEAD"],
                    "responseHeader": ["Content-Type", "Range"],
                    "maxAgeSeconds": 3600,
                }
            ]
            bucket.patch(**self._call)

    def _upload(self, name, data, metadata, content_type, cache_control, if_generation_match):
        blob = self._bucket.blob(name)
        blob.metadata = dict(metadata or {})
        if cache_control:
            blob.cache_control = cache_control
        blob.upload_from_string(
            data,
            content_type=content_type or "application/octet-stream",
            if_generation_match=if_generation_match,
            **self._call,
        )
        return self._to_stored(blob)

    def create(self, name, data, *, metadata=None, content_type=None):
        from google.api_core.exceptions import PreconditionFailed

        try:
            return self._upload(name, data, metadata, content_type, None, 0)
        except PreconditionFailed as exc:
            raise ObjectExists(name) from exc

    def put(self, name, data, *, metadata=None, content_type=None, cache_control=None):
        return self._upload(name, data, metadata, content_type, cache_control, None)

    def read(self, name, generation=None):
        from google.api_core.exceptions import NotFound

        blob = self._bucket.blob(name, generation=int(generation) if generation else None)
        try:
            return blob.download_as_bytes(**self._call)
        except NotFound as exc:
            raise ObjectNotFound(f"{name}#{generation}" if generation else name) from exc

    def stat(self, name):
        blob = self._bucket.get_blob(name, **self._call)
        return self._to_stored(blob) if blob else None

    def list(self, prefix=""):
        for blob in self._client.list_blobs(self.bucket, prefix=prefix, **self._call):
            yield self._to_stored(blob)

    def delete(self, name):
        from google.api_core.exceptions import NotFound

        try:
            self._bucket.blob(name).delete(**self._call)
        except NotFound:
            pass

    @staticmethod
    def _to_stored(blob) -> StoredObject:
        return StoredObject(
            name=blob.name,
            generation=str(blob.generation),
            size=int(blob.size or 0),
            metadata=dict(blob.metadata or {}),
            content_type=blob.content_type,
            updated=blob.updated,
        )


class S3Store:
    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        deadline_s: float = DEFAULT_DEADLINE_S,
        public_url: str | None = None,
    ):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self._public_base = public_url or endpoint_url
        config = Config(
            # Path-style addressing: MinIO and local servers have no per-bucket DNS.
            s3={"addressing_style": "path"},
            # Three attempts, each with a third of the deadline (botocore has no
            # deadline across attempts).
            retries={"mode": "standard", "total_max_attempts": 3},
            connect_timeout=min(CONNECT_TIMEOUT_S, deadline_s / 3),
            read_timeout=deadline_s / 3,
            signature_version="s3v4",  # presigned URLs too (MinIO and S3 both want v4)
        )
        self._s3 = boto3.client("s3", endpoint_url=endpoint_url, config=config)
        # SigV4 signs the Host header: a URL for a browser is signed by a client that names
        # the host the browser will use. Presigning is local; this client sends nothing.
        self._signer = (
            boto3.client("s3", endpoint_url=public_url, config=config)
            if public_url and public_url != endpoint_url
            else self._s3
        )

    def public_url(self, name: str) -> str:
        base = self._public_base or "https://s3.amazonaws.com"
        return f"{base.rstrip('/')}/{self.bucket}/{name}"

    def signed_url(self, name, expires_s):
        return self._signer.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": name}, ExpiresIn=expires_s
        )

    def _error_code(self, exc) -> str:
        return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))

    def ensure_bucket(self, cors_origins: Sequence[str] = ()) -> None:
        from botocore.exceptions import ClientError

        try:
            self._s3.create_bucket(Bucket=self.bucket)
            log.info("created bucket %s", self.bucket)
        except ClientError as exc:
            if self._error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        if cors_origins:
            self._s3.put_bucket_cors(
                Bucket=self.bucket,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedOrigins": list(cors_origins),
                            "AllowedMethods": ["GET", "HEAD"],
                            "AllowedHeaders": ["Range"],
                            "MaxAgeSeconds": 3600,
                        }
                    ]
                },
            )

    def _put(self, name, data, metadata, content_type, cache_control, if_absent):
        from botocore.exceptions import ClientError

        extra = {"IfNoneMatch": "*"} if if_absent else {}
        if cache_control:
            extra["CacheControl"] = cache_control
        try:
            response = self._s3.put_object(
                Bucket=self.bucket,
                Key=name,
                Body=data,
                Metadata=dict(metadata or {}),
                ContentType=content_type or "application/octet-stream",
                **extra,
            )
        except ClientError as exc:
            if if_absent and self._error_code(exc) in ("PreconditionFailed", "412"):
                raise ObjectExists(name) from exc
            raise
        return StoredObject(
            name=name,
            generation=self._generation(response),
            size=len(data),
            metadata=dict(metadata or {}),
            content_type=content_type,
        )

    def create(self, name, data, *, metadata=None, content_type=None):
        return self._put(name, data, metadata, content_type, None, True)

    def put(self, name, data, *, metadata=None, content_type=None, cache_control=None):
        return self._put(name, data, metadata, content_type, cache_control, False)

    def read(self, name, generation=None):
        from botocore.exceptions import ClientError

        kwargs = {}
        if generation:
            # An ETag is hex (with "-N" for multipart uploads); anything else is a version id.
            if _looks_like_etag(generation):
                kwargs["IfMatch"] = f'"{generation}"'
            else:
                kwargs["VersionId"] = generation
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=name, **kwargs)["Body"].read()
        except ClientError as exc:
            if self._error_code(exc) in ("NoSuchKey", "NoSuchVersion", "PreconditionFailed", "404"):
                raise ObjectNotFound(f"{name}#{generation}" if generation else name) from exc
            raise

    def stat(self, name):
        from botocore.exceptions import ClientError

        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if self._error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(
            name=name,
            generation=self._generation(head),
            size=int(head["ContentLength"]),
            metadata=dict(head.get("Metadata", {})),
            content_type=head.get("ContentType"),
            updated=head.get("LastModified"),
        )

    def list(self, prefix=""):
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield StoredObject(
                    name=item["Key"],
                    generation=item["ETag"].strip('"'),
                    size=int(item["Size"]),
                    updated=item.get("LastModified"),
                )

    def delete(self, name):
        self._s3.delete_object(Bucket=self.bucket, Key=name)

    @staticmethod
    def _generation(response) -> str:
        version = response.get("VersionId")
        if version and version != "null":
            return version
        return str(response.get("ETag", "")).strip('"')


def _looks_like_etag(value: str) -> bool:
    head, _, parts = value.partition("-")
    return (
        len(head) == 32
        and all(c in "0123456789abcdef" for c in head.lower())
        and (not parts or parts.isdigit())
    )


def open_store(settings: Settings | None = None) -> ObjectStore:
    """The adapter that the bucket URL's scheme names."""
    platform = (settings or get_settings()).platform
    if platform.bucket_scheme == "gs":
        return GcsStore(
            platform.bucket_name,
            platform.project_id,
            platform.storage_emulator_host,
            platform.storage_deadline_s,
        )
    if platform.bucket_scheme == "s3":
        return S3Store(
            platform.bucket_name,
            platform.s3_endpoint_url,
            platform.storage_deadline_s,
            platform.s3_public_url,
        )
    raise ValueError(f"MA_BUCKET_URL must start with gs:// or s3://, got {platform.bucket_url!r}")
