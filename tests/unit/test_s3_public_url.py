"""Presigned MinIO URLs a browser can use (issue 16, item 19).

In compose the functions reach MinIO as http://minio:9000, a name only the containers
resolve; the player in the browser gets the playlist's segment URLs and must fetch them
from MinIO as published on the host (http://localhost:9000). SigV4 signs the Host header,
so a URL signed for one host and edited to name another is refused by the server.

Stands in for MinIO checking a presigned GET: :func:`server_accepts` recomputes the
query-string SigV4 signature the way an S3 server does (AWS Signature Version 4,
"Authenticating Requests: Using Query Parameters"), for the Host header the request
arrives with. Signing is local in botocore: no server is needed.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import pytest

from mediacore.settings import PlatformSettings, Settings
from mediacore.storage import S3Store, open_store

SECRET = "test"  # conftest's aws_env
INTERNAL = "http://minio:9000"
PUBLIC = "http://localhost:9000"
NAME = "streams/studio-a/00000007.ts"


def server_accepts(url: str, host: str, secret: str = SECRET) -> bool:
    """Whether an S3 server reached with ``Host: host`` accepts this presigned GET."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = params.pop("X-Amz-Signature")
    assert params["X-Amz-SignedHeaders"] == "host"
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items())
    )
    canonical = "\n".join(
        ["GET", parts.path, query, f"host:{host}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    scope = params["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            params["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def test_signed_urls_name_and_are_signed_for_the_public_host(aws_env):
    store = S3Store("media", INTERNAL, public_url=PUBLIC)
    url = store.signed_url(NAME, 600)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    assert parts.path == f"/media/{NAME}"
    assert server_accepts(url, host="localhost:9000")
    assert not server_accepts(url, host="minio:9000")
    assert store.public_url(NAME) == f"{PUBLIC}/media/{NAME}"


def test_check_refuses_a_url_signed_for_another_host(aws_env):
    """The tempting fix, editing the host of a URL signed for minio:9000, makes URLs
    that MinIO refuses; the check above must see that (and a wrong secret)."""
    signed = S3Store("media", INTERNAL).signed_url(NAME, 600)
    parts = urlsplit(signed)
    assert server_accepts(signed, host="minio:9000")
    edited = urlunsplit(parts._replace(netloc="localhost:9000"))
    assert not server_accepts(edited, host="localhost:9000")
    assert not server_accepts(signed, host="minio:9000", secret="other")


def test_without_a_public_url_the_endpoint_is_used(aws_env):
    store = S3Store("media", INTERNAL)
    assert urlsplit(store.signed_url(NAME, 60)).netloc == "minio:9000"
    assert store.public_url(NAME) == f"{INTERNAL}/media/{NAME}"


def test_open_store_reads_ma_s3_public_url(aws_env, monkeypatch):
    monkeypatch.setenv("MA_S3_PUBLIC_URL", PUBLIC)
    platform = PlatformSettings(bucket_url="s3://media", s3_endpoint_url=INTERNAL)
    assert platform.s3_public_url == PUBLIC
    store = open_store(Settings(platform=platform))
    assert server_accepts(store.signed_url(NAME, 60), host="localhost:9000")


@pytest.mark.parametrize("expires_s", [1, 604800])
def test_expiry_is_kept(aws_env, expires_s):
    url = S3Store("media", INTERNAL, public_url=PUBLIC).signed_url(NAME, expires_s)
    assert dict(parse_qsl(urlsplit(url).query))["X-Amz-Expires"] == str(expires_s)
