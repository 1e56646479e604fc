"""The storage port against real servers: fake-gcs-server (GCS API) and moto (S3 API)."""

import uuid

import pytest

from mediacore.storage import GcsStore, ObjectExists, ObjectNotFound, S3Store


@pytest.fixture
def gcs_store(stack_env):
    store = GcsStore(
        f"b-{uuid.uuid4().hex[:10]}",
        "media-analyzer-local",
        stack_env.client_env["STORAGE_EMULATOR_HOST"],
    )
    store.ensure_bucket(["http://127.0.0.1:4200"])
    return store


@pytest.fixture
def s3_store(moto_s3, aws_env):
    store = S3Store(f"b-{uuid.uuid4().hex[:10]}", moto_s3)
    store.ensure_bucket(["http://127.0.0.1:4200"])
    return store


@pytest.fixture(params=["gcs", "s3"])
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


def test_create_is_idempotent_and_never_overwrites(store):
    name = "streams/s1/segments/00000001.ts"
    created = store.create(
        name, b"first", metadata={"seq": "1", "duration": "2.0"}, content_type="video/mp2t"
    )
    assert created.generation
    with pytest.raises(ObjectExists):
        store.create(name, b"second")
    assert store.read(name) == b"first"
    stat = store.stat(name)
    assert stat.size == 5 and stat.metadata == {"seq": "1", "duration": "2.0"}
    assert stat.content_type == "video/mp2t" and stat.generation == created.generation


def test_read_by_generation_detects_replacement(store):
    name = "streams/s1/index.m3u8"
    first = store.put(
        name, b"#EXTM3U\n1", content_type="application/vnd.apple.mpegurl", cache_control="no-cache"
    )
    assert store.read(name, first.generation) == b"#EXTM3U\n1"
    second = store.put(name, b"#EXTM3U\n2")
    assert second.generation != first.generation
    assert store.read(name, second.generation) == b"#EXTM3U\n2"
    with pytest.raises(ObjectNotFound):
        store.read(name, first.generation)


def test_list_stat_and_delete(store):
    for seq in (2, 1, 3):
        store.create(f"streams/s2/segments/{seq:08d}.ts", b"x" * seq)
    store.create("streams/other/segments/00000001.ts", b"y")
    names = [o.name for o in store.list("streams/s2/")]
    assert names == [f"streams/s2/segments/{seq:08d}.ts" for seq in (1, 2, 3)]
    store.delete("streams/s2/segments/00000002.ts")
    store.delete("streams/s2/segments/00000002.ts")  # deleting twice is fine
    assert store.stat("streams/s2/segments/00000002.ts") is None
    with pytest.raises(ObjectNotFound):
        store.read("streams/s2/segments/00000002.ts")


def test_ensure_bucket_twice_is_fine(store):
    store.ensure_bucket()
    store.ensure_bucket(["http://localhost:4200"])
