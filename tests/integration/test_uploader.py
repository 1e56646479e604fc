"""The uploader alone, on a hand-made nginx output folder: gaps, retries, restarts."""

from __future__ import annotations

import shutil
import uuid

import pytest
from google.cloud import firestore

from ingest.spool import Spool
from ingest.upload import Backoff
from ingest.uploader import Uploader
from mediacore.settings import Settings
from mediacore.storage import GcsStore
from mediacore.streams import StreamRegistry


def nginx_folder(root, stream_id, clip, fragments, listed=None):
    """Write fragments and the playlist the way nginx-rtmp leaves them."""
    folder = root / stream_id
    folder.mkdir(parents=True, exist_ok=True)
    for number in fragments:
        shutil.copy(clip.segments[number % len(clip.segments)], folder / f"{number}.ts")
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2"]
    for number in listed if listed is not None else fragments:
        lines += ["#EXTINF:2.000,", f"{number}.ts"]
    (folder / "index.m3u8").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture
def parts(stack_env, tmp_path, stream_id):
    settings = Settings()
    platform = settings.platform
    registry = StreamRegistry(firestore.Client(project=platform.project_id))
    registry.create("Uploader test", stream_id)
    store = GcsStore(platform.bucket_name, platform.project_id, platform.storage_emulator_host)
    return settings, registry, store, tmp_path / "hls"


def test_sequence_gap_is_logged_and_recorded(parts, clip, stream_id):
    settings, registry, store, root = parts
    nginx_folder(root, stream_id, clip, [0, 1, 4, 5])
    Uploader(settings, store, registry, root).process(stream_id)
    names = [o.name for o in store.list(f"streams/{stream_id}/segments/")]
    assert len(names) == 4  # bucket numbering stays dense; the gap is reported, not hidden
    doc = registry.ref(stream_id).get().to_dict()
    assert doc["ingest"]["gaps"] == 2
    assert doc["ingest"]["gap_log"] == [{"before_seq": 2, "missing_fragments": 2}]
    assert store.stat(names[2]).metadata["fragment"] == "4"


def test_only_finished_fragments_are_taken(parts, clip, stream_id):
    settings, registry, store, root = parts
    # 2.ts is being written: not listed yet and modified just now.
    folder = nginx_folder(root, stream_id, clip, [0, 1, 2], listed=[0, 1])
    Uploader(settings, store, registry, root).process(stream_id)
    assert len(list(store.list(f"streams/{stream_id}/segments/"))) == 2
    assert (folder / "2.ts").exists()


def test_failed_uploads_stay_spooled_and_are_retried(parts, clip, stream_id):
    settings, registry, store, root = parts
    folder = nginx_folder(root, stream_id, clip, [0])
    Uploader(settings, store, registry, root).process(stream_id)
    # The bucket goes away (here: a bucket that does not exist yet) mid-stream.
    outage = GcsStore(
        f"later-{uuid.uuid4().hex[:8]}",
        settings.platform.project_id,
        settings.platform.storage_emulator_host,
    )
    nginx_folder(root, stream_id, clip, [1, 2], listed=[0, 1, 2])
    uploader = Uploader(settings, outage, registry, root)
    now = [0.0]  # the backoff's clock is the test's: a slow machine cannot outwait it
    uploader._uploads.backoff = Backoff(clock=lambda: now[0])
    uploader.process(stream_id)  # every upload fails
    assert [c.seq for c in Spool(folder).pending()] == [1, 2]
    assert not list(folder.glob("*.ts"))  # claimed, kept, not lost

    outage.ensure_bucket()  # the bucket is back
    uploader.process(stream_id)  # still backing off: nothing yet
    assert [c.seq for c in Spool(folder).pending()] == [1, 2]
    now[0] += 1.1
    uploader.process(stream_id)
    assert Spool(folder).pending() == []
    names = [o.name for o in outage.list(f"streams/{stream_id}/segments/")]
    assert names == [f"streams/{stream_id}/segments/{seq:08d}.ts" for seq in (1, 2)]


def test_bucket_unreachable_before_any_state_leaves_fragments_in_place(parts, clip, stream_id):
    settings, registry, _, root = parts
    outage = GcsStore(
        f"gone-{uuid.uuid4().hex[:8]}",
        settings.platform.project_id,
        settings.platform.storage_emulator_host,
    )
    folder = nginx_folder(root, stream_id, clip, [0, 1])
    with pytest.raises(Exception, match="404"):
        Uploader(settings, outage, registry, root).process(stream_id)  # the worker logs this
    assert sorted(p.name for p in folder.glob("*.ts")) == ["0.ts", "1.ts"]


def test_restart_after_a_crash_between_upload_and_cleanup(parts, clip, stream_id, monkeypatch):
    settings, registry, store, root = parts
    folder = nginx_folder(root, stream_id, clip, [0, 1])
    with monkeypatch.context() as crash:
        crash.setattr(Spool, "done", lambda self, seq: None)  # dies before the local delete
        Uploader(settings, store, registry, root).process(stream_id)
    spool = Spool(folder)
    assert [c.seq for c in spool.pending()] == [0, 1]
    (spool.dir / "00000009.json").write_text("{}")  # a claim that died before its move
    nginx_folder(root, stream_id, clip, [2], listed=[0, 1, 2])

    Uploader(settings, store, registry, root).process(stream_id)  # the restarted process
    stats = [store.stat(o.name) for o in store.list(f"streams/{stream_id}/segments/")]
    assert [s.metadata["fragment"] for s in stats] == ["0", "1", "2"]
    assert spool.pending() == [] and not list(spool.dir.glob("*.ts"))
    assert not (spool.dir / "00000009.json").exists()


def test_registry_records_upload_progress(parts, stream_id):
    _, registry, _, _ = parts
    registry.record_uploads(
        stream_id, 2, 1, "http://x/p.m3u8", 8.333, "Keyframes arrive every 8.3 s", [(1, 3)]
    )
    registry.record_uploads(stream_id, 1, 2, "http://x/p.m3u8")  # keyframes not measured
    doc = registry.get(stream_id)
    assert doc["ingest"]["uploaded"] == 3 and doc["ingest"]["last_seq"] == 2
    assert doc["ingest"]["last_upload_at"] is not None and doc["playlist"] == "http://x/p.m3u8"
    assert doc["keyframe_interval_s"] == 8.333 and doc["warnings"]["keyframe_interval"]
    assert doc["ingest"]["gaps"] == 3
    assert doc["ingest"]["gap_log"] == [{"before_seq": 1, "missing_fragments": 3}]

    registry.record_uploads(stream_id, 1, 3, "http://x/p.m3u8", 2.0, None)  # OBS fixed
    doc = registry.get(stream_id)
    assert doc["keyframe_interval_s"] == 2.0
    assert "keyframe_interval" not in doc.get("warnings", {})
