"""How much disk a stream's spool may take, and what goes first when it is over.

While the bucket is down the spool grows by one segment per fragment. Two bounds
keep it from taking the machine with it: the stream's own total
(``MA_SPOOL_MAX_MB``) and the free space nginx needs to keep writing
(``MA_SPOOL_MIN_FREE_MB``). Over either, the oldest goes first: set-aside files
(already out of the upload order), then the oldest waiting segments, then the
oldest held (not yet numbered) fragments. Live
airtime is worth more than a backlog, and a dropped segment is counted, never
silent.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from ingest.spool import Spool

MB = 1024 * 1024


@dataclass(frozen=True)
class Drop:
    seq: int | None  # None: a held fragment, dropped before it had a number
    reason: str  # spool_full | disk_full | name_taken | unreadable


def _free_bytes(spool: Spool) -> int:
    return shutil.disk_usage(spool.dir).free


def make_room(spool: Spool, max_mb: float, min_free_mb: float) -> list[Drop]:
    """Drop the oldest segments until the spool is within both bounds; those dropped."""
    max_bytes, min_free = max_mb * MB, min_free_mb * MB
    size = spool.size()
    drops: list[Drop] = []
    waiting = spool.waiting()
    while True:
        if size > max_bytes:
            reason = "spool_full"
        elif min_free and _free_bytes(spool) < min_free:
            reason = "disk_full"
        else:
            return drops
        freed = spool.free_oldest_set_aside()
        if freed is None and waiting:
            seq = waiting.pop(0)
            freed = spool.drop(seq)
            drops.append(Drop(seq, reason))
        elif freed is None:
            freed = spool.drop_oldest_held()
            if freed is None:
                return drops  # nothing of this stream's left to give
            drops.append(Drop(None, reason))
        size -= freed
