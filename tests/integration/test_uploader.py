"""The uploader alone, on a hand-made nginx output folder: gaps, retries, restarts."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import m3u8
import pytest
from google.cloud import firestore

from ingest.spool import Spool
from ingest.upload import Backoff
from ingest.uploader import Uploader
from mediacore.names import playlist_object, segment_object
from mediacore.settings import Settings
from mediacore.storage import GcsStore
from mediacore.streams import StreamRegistry
from tests.integration.helpers import WAIT_S

MB = 1024 * 1024


def seqs(store, stream_id) -> list[int]:
    return [int(o.name[-11:-3]) for o in store.list(f"streams/{stream_id}/segments/")]


def outage_bucket(settings) -> GcsStore:
    """A bucket every upload fails on until ensure_bucket(): the bucket is down."""
    platform = settings.platform
    name = f"down-{uuid.uuid4().hex[:8]}"
    return GcsStore(name, platform.project_id, platform.storage_emulator_host)


def spooled_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in (folder / ".spool").rglob("*.ts"))


def spooled(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / ".spool").glob("*.ts"))


def set_aside(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / ".spool" / "set-aside").glob("*.ts"))


def drain(uploader, stream_id, folder, timeout=WAIT_S) -> None:
    """Run passes (as the rescan does) until every fragment is shipped, through the backoff."""
    deadline = time.monotonic() + timeout

    def left() -> list:
        return [*spooled(folder), *folder.glob(".spool/held/*.ts"), *folder.glob("*.ts")]

    while left():
        assert time.monotonic() < deadline, left()
        uploader.process(stream_id)
        time.sleep(0.3)


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


def test_stream_starting_during_an_outage_is_held_bounded_and_numbered_after_the_bucket(
    parts, clip, stream_id, monkeypatch
):
    """No local state and no bucket to number from: the fragments are held (nginx would
    delete them), within the spool bound, and numbered after the bucket's last segment
    once it answers. Before: every pass raised and the fragments stayed where nginx's
    clean-up removes them, unbounded and uncounted."""
    _, registry, store, root = parts
    sizes = [p.stat().st_size for p in clip.segments]
    bound = sum(sorted(sizes)[-3:]) + max(sizes) // 2  # three fragments, never four
    monkeypatch.setenv("MA_SPOOL_MAX_MB", str(bound / MB))
    settings = Settings()
    # An earlier session on another machine left segments 0 and 1 in the bucket.
    other_root = root.parent / "other-machine"
    nginx_folder(other_root, stream_id, clip, [0, 1])
    Uploader(settings, store, registry, other_root).process(stream_id)
    assert seqs(store, stream_id) == [0, 1]
    # This machine starts the stream with no state, while the bucket refuses to list.
    real_list = store.list

    def refused(prefix=""):
        raise ConnectionError("bucket endpoint refused the connection")

    monkeypatch.setattr(store, "list", refused)
    uploader = Uploader(settings, store, registry, root)
    folder = root / stream_id
    for fragment in range(6):
        nginx_folder(root, stream_id, clip, [fragment], listed=range(fragment + 1))
        uploader.process(stream_id)
        assert spooled_bytes(folder) <= bound
    held = sorted(p.name for p in (folder / ".spool" / "held").glob("*.ts"))
    assert 3 <= len(held) < 6 and not list(folder.glob("*.ts"))  # newest kept, none left
    assert held[-1].endswith("-5.ts")
    dropped = 6 - len(held)
    doc = registry.get(stream_id)["ingest"]
    assert doc["dropped"] == dropped == doc["dropped_by_reason"]["spool_full"]

    monkeypatch.setattr(store, "list", real_list)  # the bucket answers again
    drain(uploader, stream_id, folder)
    assert seqs(store, stream_id) == list(range(2 + len(held)))  # after 0 and 1, dense
    first = store.stat(segment_object(stream_id, 2)).metadata
    assert first["fragment"] == held[0].split("-")[1][:-3]
    assert float(first["media_start"]) > 0  # continues the bucket's media time


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


def test_bucket_outage_keeps_the_newest_segments_within_the_spool_bound(
    parts, clip, stream_id, monkeypatch
):
    """A long outage, shortened: a spool bound of about three segments instead of
    MA_SPOOL_MAX_MB's 2 GiB, and a bucket that is not there until it comes back."""
    _, registry, store, root = parts
    sizes = [p.stat().st_size for p in clip.segments]
    bound = sum(sorted(sizes)[-3:]) + max(sizes) // 2  # three segments, never four
    monkeypatch.setenv("MA_SPOOL_MAX_MB", str(bound / MB))
    settings = Settings()
    folder = nginx_folder(root, stream_id, clip, [0])
    Uploader(settings, store, registry, root).process(stream_id)  # before the outage
    outage = outage_bucket(settings)
    uploader = Uploader(settings, outage, registry, root)

    for fragment in range(1, 11):  # one pass per closed fragment, as nginx's renames wake it
        nginx_folder(root, stream_id, clip, [fragment], listed=range(fragment + 1))
        uploader.process(stream_id)
        assert spooled_bytes(folder) <= bound
    kept = [c.seq for c in Spool(folder).pending()]
    assert kept == list(range(11 - len(kept), 11)) and len(kept) >= 3  # the newest
    dropped = 10 - len(kept)
    doc = registry.get(stream_id)["ingest"]
    assert doc["dropped"] == dropped == doc["dropped_by_reason"]["spool_full"]
    assert doc["last_dropped_seq"] == kept[0] - 1

    outage.ensure_bucket()  # back, and the same uploader goes on: no restart
    drain(uploader, stream_id, folder)
    assert seqs(outage, stream_id) == kept
    assert registry.get(stream_id)["ingest"]["dropped"] == dropped


def test_name_taken_by_other_content_is_set_aside_and_the_stream_moves_on(parts, clip, stream_id):
    settings, registry, store, root = parts
    folder = nginx_folder(root, stream_id, clip, [0])
    uploader = Uploader(settings, store, registry, root)
    uploader.process(stream_id)
    store.create(segment_object(stream_id, 1), b"another machine's segment 1")
    nginx_folder(root, stream_id, clip, [1, 2], listed=[0, 1, 2])
    uploader.process(stream_id)
    uploader.process(stream_id)  # and nothing is retried in front of later segments

    assert Spool(folder).pending() == []
    assert store.read(segment_object(stream_id, 1)) == b"another machine's segment 1"
    assert store.stat(segment_object(stream_id, 2)).metadata["fragment"] == "2"
    assert set_aside(folder) == ["00000001.ts"]
    assert registry.get(stream_id)["ingest"]["dropped_by_reason"] == {"name_taken": 1}


def test_empty_claim_records_after_a_power_cut_are_not_retried_forever(
    parts, clip, stream_id, monkeypatch
):
    settings, registry, store, root = parts
    folder = nginx_folder(root, stream_id, clip, [0, 1])
    with monkeypatch.context() as crash:
        crash.setattr(Spool, "done", lambda self, seq: None)  # power cut before the delete
        Uploader(settings, store, registry, root).process(stream_id)
    store.delete(segment_object(stream_id, 1))  # ...and before segment 1 reached the bucket
    spool = Spool(folder)
    for name in ("00000000.json", "00000001.json", "state.json"):
        (spool.dir / name).write_bytes(b"")  # renamed into place, contents never written
    nginx_folder(root, stream_id, clip, [2], listed=[0, 1, 2])

    uploader = Uploader(settings, store, registry, root)  # the restarted process
    uploader.process(stream_id)
    uploader.process(stream_id)
    assert seqs(store, stream_id) == [0, 2]  # 0 was shipped; 1's metadata is lost
    assert store.stat(segment_object(stream_id, 2)).metadata["fragment"] == "2"
    assert spooled(folder) == [] and set_aside(folder) == ["00000001.ts"]
    assert registry.get(stream_id)["ingest"]["dropped_by_reason"] == {"unreadable": 1}
    playlist = m3u8.loads(store.read(playlist_object(stream_id)).decode())
    assert [s.discontinuity for s in playlist.segments] == [False, True]  # the hole is marked


@pytest.fixture
def tiny_disk(tmp_path):
    """A tmpfs of a few MB, mounted in a private mount namespace (unshare) that a sleeping
    process holds; this process writes it through /proc/PID/root. A real full disk."""

    def mount(size_bytes: int) -> Path:
        point = tmp_path / "tiny"
        point.mkdir()
        script = f"mount -t tmpfs -o size={size_bytes} tmpfs {point} && echo up && exec sleep 600"
        holder = subprocess.Popen(
            ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        holders.append(holder)
        if holder.stdout.readline().strip() != "up":
            pytest.skip(f"no private tmpfs here (unshare/mount): {holder.stderr.read()[:200]}")
        return Path(f"/proc/{holder.pid}/root{point}")

    holders: list[subprocess.Popen] = []
    yield mount
    for holder in holders:
        holder.kill()
        holder.wait()


def fill(folder: Path, clip, first: int, count: int = 1000) -> list[int]:
    """Write up to ``count`` fragments from ``first`` on, as nginx would, until the disk
    is full (nginx's failed write leaves nothing the uploader would take)."""
    written = []
    for fragment in range(first, first + count):
        target = folder / f"{fragment}.ts"
        try:
            shutil.copy(clip.segments[fragment % len(clip.segments)], target)
        except OSError:
            target.unlink(missing_ok=True)
            break
        written.append(fragment)
    return written


def ballast(folder: Path) -> None:
    """Take whatever space is left, as another writer on the same disk would."""
    with (folder / "ballast").open("wb", buffering=0) as out:
        try:
            while out.write(b"\0" * 4096):
                pass
        except OSError:
            pass  # full


def listed_playlist(folder: Path, fragments) -> None:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2"]
    for number in fragments:
        lines += ["#EXTINF:2.000,", f"{number}.ts"]
    (folder / "index.m3u8").write_text("\n".join(lines) + "\n")


def test_claim_on_a_full_disk_does_not_stop_the_uploads_that_free_it(
    parts, clip, stream_id, tiny_disk, monkeypatch
):
    """The bucket is down while the disk fills up to the last byte; then it is back.
    Claiming the next fragment fails (no room for its record): that must not keep the
    spool from draining, which is what makes room."""
    _, registry, store, _ = parts
    monkeypatch.setenv("MA_SPOOL_MIN_FREE_MB", "0")  # this test: never drop, only wait
    settings = Settings()
    segment = max(p.stat().st_size for p in clip.segments)
    root = tiny_disk(12 * segment) / "hls"
    folder = nginx_folder(root, stream_id, clip, [0])
    listed_playlist(folder, range(200))  # nginx lists each fragment once closed
    Uploader(settings, store, registry, root).process(stream_id)
    outage = outage_bucket(settings)
    uploader = Uploader(settings, outage, registry, root)
    spooled = fill(folder, clip, 1, count=6)
    uploader.process(stream_id)  # claimed, not uploaded
    assert [c.seq for c in Spool(folder).pending()] == spooled
    unclaimed = fill(folder, clip, 7)
    ballast(root)
    assert unclaimed and shutil.disk_usage(folder).free == 0

    uploader.process(stream_id)  # no room for a claim record
    assert sorted(int(p.stem) for p in folder.glob("*.ts")) == unclaimed
    outage.ensure_bucket()
    drain(uploader, stream_id, folder)
    assert seqs(outage, stream_id) == spooled + unclaimed  # every one, in order
    assert "dropped" not in registry.get(stream_id)["ingest"]


def test_full_disk_during_an_outage_drops_the_oldest_and_keeps_claiming(
    parts, clip, stream_id, tiny_disk, monkeypatch
):
    """A bucket outage on a disk of 12 segments that keeps 2 free: nginx goes on writing,
    the uploader drops the oldest waiting segments to keep the room, and counts them."""
    _, registry, store, _ = parts
    segment = max(p.stat().st_size for p in clip.segments)
    monkeypatch.setenv("MA_SPOOL_MIN_FREE_MB", str(2 * segment / MB))
    settings = Settings()
    root = tiny_disk(12 * segment) / "hls"
    folder = nginx_folder(root, stream_id, clip, [0])
    listed_playlist(folder, range(200))
    Uploader(settings, store, registry, root).process(stream_id)
    outage = outage_bucket(settings)
    uploader = Uploader(settings, outage, registry, root)

    for fragment in range(1, 31):  # one pass per closed fragment, as nginx's renames wake it
        assert fill(folder, clip, fragment, count=1) == [fragment]  # nginx never fails
        uploader.process(stream_id)
        assert shutil.disk_usage(folder).free >= 2 * segment
    kept = [c.seq for c in Spool(folder).pending()]
    assert kept == list(range(kept[0], 31)) and len(kept) >= 6  # the newest airtime
    doc = registry.get(stream_id)["ingest"]
    assert doc["dropped"] == doc["dropped_by_reason"]["disk_full"] == kept[0] - 1

    outage.ensure_bucket()
    drain(uploader, stream_id, folder)
    assert seqs(outage, stream_id) == kept
