"""A segment document always fits in Firestore (1 MiB per document).

Batch mode on a long fragment with a busy scene (20 frames x 300 boxes) makes a
result larger than Firestore stores; the write fails the same way on every
delivery, so the event would come back forever. Sizes follow Firestore's storage
rules (https://firebase.google.com/docs/firestore/storage-size): a string is its
UTF-8 length + 1, a number, timestamp or boolean 8 (booleans and null 1), a map
the sum of its keys (+1 each) and values, a document its name + fields + 32.

When a result is over the budget, the lowest-scoring detections are left out
first (they are the least likely to be right), then the lowest-scoring scene and
brand labels; the segment's ``warnings`` say how many. What is stored is what
the stream's totals count, so they stay consistent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mediacore.schema import SegmentResult

FIRESTORE_MAX_DOC_BYTES = 1_048_576
# Room for the document name, the warning added here and the write's own fields.
DOC_BUDGET_BYTES = FIRESTORE_MAX_DOC_BYTES - 16_384


def stored_size(value: Any) -> int:
    """Bytes Firestore counts for a value."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int | float | datetime):
        return 8
    if isinstance(value, str):
        return len(value.encode()) + 1
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k).encode()) + 1 + stored_size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(stored_size(v) for v in value)
    return len(str(value).encode()) + 1


def document_size(fields: dict, path: str) -> int:
    return sum(len(part.encode()) + 1 for part in path.split("/")) + 16 + stored_size(fields) + 32


def fit(result: SegmentResult, path: str, budget: int = DOC_BUDGET_BYTES) -> int:
    """Leave out the lowest-scoring labels until ``result`` stored at ``path`` fits the
    budget; the number left out (0: it fitted)."""
    over = document_size(result.to_firestore(), path) - budget
    if over <= 0:
        return 0
    # Every box and label, lowest score first, with the bytes it takes.
    candidates = []
    for frame in result.frames:
        for kind in ("detections", "scene", "brands"):
            for item in getattr(frame, kind):
                rank = 0 if kind == "detections" else 1  # boxes go before whole-frame labels
                candidates.append((rank, item.score, frame, kind, item))
    candidates.sort(key=lambda c: (c[0], c[1]))
    dropped: dict[tuple[int, str], set[int]] = {}
    count = 0
    for _, _, frame, kind, item in candidates:
        if over <= 0:
            break
        over -= stored_size(item.model_dump())
        dropped.setdefault((id(frame), kind), set()).add(id(item))
        count += 1
    for frame in result.frames:
        for kind in ("detections", "scene", "brands"):
            gone = dropped.get((id(frame), kind))
            if gone:
                setattr(frame, kind, [i for i in getattr(frame, kind) if id(i) not in gone])
    result.warnings = [
        *result.warnings,
        f"{count} lowest-scoring labels left out: the segment document would exceed "
        "Firestore's 1 MiB",
    ]
    return count
