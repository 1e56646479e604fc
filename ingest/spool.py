"""Per-stream outbox: a finished fragment is *claimed* (given its bucket sequence number
and metadata, and moved into ``.spool/``) before it is uploaded.

Why a spool: nginx's fragment numbers are not a safe object name (a lost
playlist restarts them at 0, which would overwrite earlier segments), and a
crash between "uploaded" and "local file removed" must not upload the same
video again under another name. Claiming is a pair of atomic renames on the
local disk, so after a crash every fragment is in exactly one place:

- still in the stream folder, unclaimed -> it is claimed again, with the
  same next sequence number (the state file was not advanced);
- in the spool -> it is uploaded under the sequence number it already has
  (an object that already exists with the same size means it was uploaded).

Files: ``.spool/{seq:08d}.json`` (metadata + the stream state after this
claim), then ``.spool/{seq:08d}.ts``, then ``.spool/state.json``. Each JSON file
is written to a temporary name, fsynced, then renamed: after a power cut a file
is whole or absent, never empty. A record that still cannot be read (a disk
that lied) is not retried forever: its segment is set aside.

A stream this machine has no state for takes its numbering from the bucket. While
the bucket cannot answer, its finished fragments are *held* in ``.spool/held/``
unnumbered (one atomic rename each, keeping nginx's mtime): out of the reach of
nginx's fragment clean-up and inside the spool's bound. They are claimed first,
in order, once the bucket answers.

A segment that cannot go to the bucket (unreadable record, its name taken by
other content) is *set aside* in ``.spool/set-aside/`` for an operator, out of
the upload order; set-aside files are the first to go when space is needed.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SPOOL = ".spool"
SET_ASIDE = "set-aside"
HELD = "held"


@dataclass
class StreamState:
    next_seq: int = 0
    last_fragment: int | None = None
    last_pts_end: float | None = None  # publisher clock at the end of the last segment
    last_media_end: float = 0.0  # stream media time at the end of the last segment
    last_keyframe: float | None = None


@dataclass
class Claim:
    seq: int
    fragment: int
    metadata: dict[str, str]
    state_after: StreamState
    keyframe_interval: float | None = None
    gap: int = 0  # fragments missing before this one
    discontinuity: bool = False
    extra: dict = field(default_factory=dict)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, value: dict) -> None:
    tmp = path.with_suffix(".tmp")
    try:
        with tmp.open("w") as out:
            out.write(json.dumps(value))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
    _fsync_dir(path.parent)


def _read_json(path: Path) -> dict | None:
    """The file's JSON object, or None when it is missing, empty or damaged."""
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class Spool:
    def __init__(self, stream_dir: Path):
        self.dir = stream_dir / SPOOL
        self.dir.mkdir(parents=True, exist_ok=True)
        self.set_aside_dir = self.dir / SET_ASIDE
        self.held_dir = self.dir / HELD

    def media(self, seq: int) -> Path:
        return self.dir / f"{seq:08d}.ts"

    def _record(self, seq: int) -> Path:
        return self.dir / f"{seq:08d}.json"

    def load_state(self) -> StreamState | None:
        """The state after the newest claim, also when the crash came before state.json."""
        state = None
        path = self.dir / "state.json"
        raw = _read_json(path)
        if raw is not None:
            try:
                state = StreamState(**raw)
            except TypeError:
                raw = None
        if raw is None and path.exists():
            log.warning("%s is unreadable; the stream state comes from its claims", path)
        for claim in self.pending():
            if state is None or claim.state_after.next_seq > state.next_seq:
                state = claim.state_after
        return state

    def claim(self, source: Path, claim: Claim) -> None:
        """Raises OSError (e.g. a full disk) with the fragment still unclaimed, or claimed
        whole: never half."""
        record = asdict(claim)
        _write_json(self._record(claim.seq), record)
        try:
            os.replace(source, self.media(claim.seq))
        except OSError:
            self._record(claim.seq).unlink(missing_ok=True)
            raise
        try:
            _write_json(self.dir / "state.json", asdict(claim.state_after))
        except OSError:
            # Claimed all the same: load_state() reads the newest state from the claims.
            log.warning("stream state not saved after claim %d; its record has it", claim.seq)

    def _read_claim(self, seq: int) -> Claim | None:
        raw = _read_json(self._record(seq))
        try:
            raw["state_after"] = StreamState(**raw["state_after"])
            return Claim(**raw)
        except (TypeError, KeyError):
            return None

    def pending(self) -> list[Claim]:
        """Readable claims in upload order (see unreadable() for the others)."""
        claims = []
        for record in sorted(self.dir.glob("[0-9]*.json")):
            seq = int(record.stem)
            if not self.media(seq).exists():
                record.unlink()  # crashed before the move: the fragment is still unclaimed
                continue
            claim = self._read_claim(seq)
            if claim is not None:
                claims.append(claim)
        return claims

    def unreadable(self) -> list[int]:
        """Spooled segments whose record is missing or cannot be read."""
        seqs = []
        for media in sorted(self.dir.glob("[0-9]*.ts")):
            seq = int(media.stem)
            if self._read_claim(seq) is None:
                seqs.append(seq)
        return seqs

    def done(self, seq: int) -> None:
        self.media(seq).unlink(missing_ok=True)
        self._record(seq).unlink(missing_ok=True)

    def waiting(self) -> list[int]:
        """Sequence numbers of the spooled segments, oldest first."""
        return sorted(int(media.stem) for media in self.dir.glob("[0-9]*.ts"))

    def next_unused_seq(self) -> int:
        """One past every sequence number a segment here holds, waiting or set aside."""
        held = [*self.dir.glob("[0-9]*.ts"), *self.set_aside_dir.glob("[0-9]*.ts")]
        return max((int(p.stem) + 1 for p in held), default=0)

    def drop(self, seq: int) -> int:
        """Delete a waiting segment unshipped; the bytes freed."""
        freed = _size(self.media(seq))
        self.done(seq)
        return freed

    def set_aside(self, seq: int) -> None:
        """Take a segment out of the upload order, keeping its files for an operator."""
        self.set_aside_dir.mkdir(exist_ok=True)
        for path in (self.media(seq), self._record(seq)):
            if path.exists():
                os.replace(path, self.set_aside_dir / path.name)

    def hold(self, source: Path) -> Path:
        """Keep a finished fragment unnumbered until the bucket can number it."""
        self.held_dir.mkdir(exist_ok=True)
        # nginx may restart its fragment numbers meanwhile: a running index keeps order
        # and never overwrites.
        index = max((int(p.name.split("-", 1)[0]) + 1 for p in self.held()), default=0)
        target = self.held_dir / f"{index:08d}-{source.name}"
        os.replace(source, target)
        return target

    def held(self) -> list[Path]:
        """Held fragments, oldest first."""
        return sorted(self.held_dir.glob("[0-9]*-*.ts"))

    def drop_oldest_held(self) -> int | None:
        """Delete the oldest held fragment: the bytes freed, None when there is none."""
        for path in self.held()[:1]:
            freed = _size(path)
            path.unlink(missing_ok=True)
            return freed
        return None

    def size(self) -> int:
        """Bytes of video this stream holds here: waiting, held and set aside."""
        return sum(
            _size(p)
            for p in [
                *self.dir.glob("[0-9]*.ts"),
                *self.held_dir.glob("*.ts"),
                *self.set_aside_dir.glob("*"),
            ]
        )

    def free_oldest_set_aside(self) -> int | None:
        """Delete the oldest set-aside segment: the bytes freed, None when there is none."""
        for media in sorted(self.set_aside_dir.glob("*.ts"))[:1]:
            record = media.with_suffix(".json")
            freed = _size(media) + _size(record)
            media.unlink(missing_ok=True)
            record.unlink(missing_ok=True)
            return freed
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
