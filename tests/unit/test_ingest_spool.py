"""The spool's crash and disk-space rules, on a real folder (no bucket)."""

from __future__ import annotations

from pathlib import Path

from ingest.space import make_room
from ingest.spool import Claim, Spool, StreamState

MB = 1024 * 1024


def claim(spool: Spool, tmp_path: Path, seq: int, size: int) -> None:
    fragment = tmp_path / f"{seq}.ts"
    fragment.write_bytes(b"\0" * size)
    spool.claim(fragment, Claim(seq, seq, {"seq": str(seq)}, StreamState(next_seq=seq + 1)))


def test_a_claim_leaves_no_temporary_file_and_survives_a_lost_state_file(tmp_path):
    spool = Spool(tmp_path / "s")
    for seq in range(3):
        claim(spool, tmp_path, seq, 10)
    assert [c.seq for c in spool.pending()] == [0, 1, 2]
    assert not list(spool.dir.glob("*.tmp"))
    (spool.dir / "state.json").write_bytes(b"")  # renamed into place, never written
    assert spool.load_state().next_seq == 3  # from the newest claim's record


def test_unreadable_records_are_reported_not_raised(tmp_path):
    spool = Spool(tmp_path / "s")
    for seq in range(3):
        claim(spool, tmp_path, seq, 10)
    spool._record(1).write_bytes(b"")
    spool._record(2).write_text('{"seq": 2}')  # whole JSON, but not a claim
    assert [c.seq for c in spool.pending()] == [0]
    assert spool.unreadable() == [1, 2]
    spool.set_aside(1)
    assert spool.unreadable() == [2] and spool.waiting() == [0, 2]
    assert spool.next_unused_seq() == 3
    spool.drop(2)
    spool.done(0)
    assert spool.next_unused_seq() == 2  # the set-aside segment keeps its number


def test_make_room_frees_set_aside_files_then_the_oldest_waiting(tmp_path):
    spool = Spool(tmp_path / "s")
    for seq in range(5):
        claim(spool, tmp_path, seq, MB // 4)
    spool.set_aside(1)
    assert make_room(spool, max_mb=2, min_free_mb=0) == []  # 1.25 MB: within the bound
    drops = make_room(spool, max_mb=0.6, min_free_mb=0)
    assert [(d.seq, d.reason) for d in drops] == [(0, "spool_full"), (2, "spool_full")]
    assert spool.waiting() == [3, 4] and not list(spool.set_aside_dir.glob("*.ts"))
    assert spool.size() <= 0.6 * MB


def test_make_room_for_free_disk_space_drops_only_what_it_has(tmp_path):
    spool = Spool(tmp_path / "s")
    claim(spool, tmp_path, 0, 1000)
    # More free space than any disk has: everything of this stream goes, then it stops.
    drops = make_room(spool, max_mb=1, min_free_mb=2**40)
    assert [(d.seq, d.reason) for d in drops] == [(0, "disk_full")]
    assert spool.waiting() == [] and make_room(spool, 1, 2**40) == []
