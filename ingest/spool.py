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
claim), then ``.spool/{seq:08d}.ts``, then ``.spool/state.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

SPOOL = ".spool"


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


def _write_json(path: Path, value: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


class Spool:
    def __init__(self, stream_dir: Path):
        self.dir = stream_dir / SPOOL
        self.dir.mkdir(parents=True, exist_ok=True)

    def media(self, seq: int) -> Path:
        return self.dir / f"{seq:08d}.ts"

    def _record(self, seq: int) -> Path:
        return self.dir / f"{seq:08d}.json"

    def load_state(self) -> StreamState | None:
        """The state after the newest claim, also when the crash came before state.json."""
        state = None
        path = self.dir / "state.json"
        if path.exists():
            state = StreamState(**json.loads(path.read_text()))
        for claim in self.pending():
            if state is None or claim.state_after.next_seq > state.next_seq:
                state = claim.state_after
        return state

    def claim(self, source: Path, claim: Claim) -> None:
        record = asdict(claim)
        _write_json(self._record(claim.seq), record)
        os.replace(source, self.media(claim.seq))
        _write_json(self.dir / "state.json", asdict(claim.state_after))

    def pending(self) -> list[Claim]:
        claims = []
        for record in sorted(self.dir.glob("[0-9]*.json")):
            seq = int(record.stem)
            if not self.media(seq).exists():
                record.unlink()  # crashed before the move: the fragment is still unclaimed
                continue
            raw = json.loads(record.read_text())
            raw["state_after"] = StreamState(**raw["state_after"])
            claims.append(Claim(**raw))
        return claims

    def done(self, seq: int) -> None:
        self.media(seq).unlink(missing_ok=True)
        self._record(seq).unlink(missing_ok=True)
