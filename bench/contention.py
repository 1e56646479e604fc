"""Contention on ``streams/{id}``: does a busy stream document make result transactions
abort, and segments get analysed again?

Load: N streams analysed at once in batch mode (5 fps), a backfill re-analysing
another stream meanwhile, and the ingest recording every upload on the stream
document, as it does. Everything is real except the models (backend ``none``: the
measures only, so the run is about Firestore, not CPU): the analyzer
(functions.analyze.SegmentAnalyzer, several instances as Cloud Run would run), the
stream registry, a real bucket and the Firestore emulator. Requests are counted at
the Firestore client's wire: every commit (and what it writes) and every
transaction begun.

Firestore's guidance is about one sustained write per second per document; the
emulator does not enforce it (it does abort transactions that lock each other,
which is what a read of the stream document inside the result transaction would
do). So the report gives both: aborted transactions and the writes each stream
document takes per analysed segment.

    python -m bench.contention [--streams 16 --segments 30 --backfill 120]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from google.api_core.exceptions import Aborted

HERE = Path(__file__).resolve().parent
INSTANCES = 4  # analyze instances sharing the load (Cloud Run scales out)
SEGMENT_S = 2.0


@dataclass
class Wire:
    """Counts what a Firestore client sends: commits per document (``attempts``, failed
    ones too: each is an attempt on the document; ``writes``, the ones that took effect),
    transactions begun and aborted, and plain writes refused with ABORTED (a document a
    transaction holds; StreamRegistry sends them again)."""

    writes: Counter = field(default_factory=Counter)
    attempts: Counter = field(default_factory=Counter)
    begun: int = 0
    aborted: int = 0
    plain_aborted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client) -> None:
        api = client._firestore_api  # the generated client every request goes through
        commit, begin = api.commit, api.begin_transaction

        def counting_commit(*args, **kwargs):
            request = kwargs.get("request") or (args[0] if args else {})
            writes = request.get("writes", []) if isinstance(request, dict) else request.writes
            # One commit touching a document is one write of it (the unit Firestore locks
            # and limits), however many Write entries it takes.
            touched = {w.update.name or w.delete or w.transform.document for w in writes}
            try:
                answer = commit(*args, **kwargs)
                with self.lock:
                    self.writes.update(touched)
                return answer
            except Aborted:
                in_transaction = bool(
                    request.get("transaction") if isinstance(request, dict) else request.transaction
                )
                with self.lock:
                    if in_transaction:
                        self.aborted += 1
                    else:
                        self.plain_aborted += 1
                raise
            finally:
                with self.lock:
                    self.attempts.update(touched)

        def counting_begin(*args, **kwargs):
            with self.lock:
                self.begun += 1
            return begin(*args, **kwargs)

        api.commit, api.begin_transaction = counting_commit, counting_begin

    def to_doc(self, path_tail: str, attempts: bool = False) -> int:
        """Writes of the document (or commit attempts on it, aborted ones included)."""
        counts = self.attempts if attempts else self.writes
        return sum(n for name, n in counts.items() if name.endswith("/" + path_tail))


def run(client, store, segments_data: list[bytes], streams: int, segments: int, backfill: int,
        workers: int = 16) -> dict:  # fmt: skip
    """The load against ``client`` (Firestore) and ``store`` (a bucket without
    notifications); the numbers."""
    from functions.analyze import SegmentAnalyzer
    from functions.events import ObjectEvent
    from functions.modes import ModeCache
    from functions.results import ResultWriter
    from mediacore.names import parse_segment_object, segment_object
    from mediacore.settings import AnalysisSettings, Settings
    from mediacore.streams import StreamRegistry

    settings = Settings(analysis=AnalysisSettings(backend="none"))
    tag = uuid.uuid4().hex[:8]
    live = [f"load-{tag}-{i}" for i in range(streams)]
    replayed = f"load-{tag}-backfill"
    registry = StreamRegistry(client)
    for stream_id in [*live, replayed]:
        registry.create(stream_id, stream_id, mode="batch")

    def event(stream_id: str, seq: int, revision: int = 0) -> ObjectEvent:
        name = segment_object(stream_id, seq)
        data = segments_data[seq % len(segments_data)]
        obj = store.stat(name) or store.create(name, data, metadata=metadata(seq))
        now = datetime.now(UTC)
        return ObjectEvent(
            bucket=store.bucket, name=name, generation=obj.generation, size=obj.size,
            segment=parse_segment_object(name), metadata=metadata(seq), created_at=now,
            event_at=now, source="bench", revision=revision,
            backfill_id=str(revision) if revision else "",
        )  # fmt: skip

    analyzers = [
        SegmentAnalyzer(settings, store, ResultWriter(client), ModeCache(client, 5.0))
        for _ in range(INSTANCES)
    ]
    # The backfilled stream was analysed live before; not part of the measurement.
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda s: analyzers[0].handle(event(replayed, s)), range(backfill)))
    uploads = [event(s, q) for q in range(segments) for s in live]  # in the bucket first
    reanalyses = [event(replayed, q, revision=int(time.time() * 1000)) for q in range(backfill)]

    wire = Wire()
    wire.attach(client)
    outcomes: Counter = Counter()
    failures: list[str] = []

    def live_segment(index: int) -> None:
        item = uploads[index]
        stream_id, seq = item.segment.stream_id, item.segment.seq
        registry.record_uploads(stream_id, 1, seq, f"streams/{stream_id}/index.m3u8")
        analyse(index, item)

    def analyse(index: int, item) -> None:
        try:
            outcomes[analyzers[index % INSTANCES].handle(item).status] += 1
        except Exception as exc:  # the function would answer 5xx: analysed again
            failures.append(f"{type(exc).__name__}: {exc}"[:200])

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        jobs = [pool.submit(live_segment, i) for i in range(len(uploads))]
        jobs += [pool.submit(analyse, i, r) for i, r in enumerate(reanalyses)]
        for job in jobs:
            job.result()
    seconds = time.monotonic() - started

    stream_docs = {s: wire.to_doc(f"streams/{s}") for s in [*live, replayed]}
    live_writes = sum(stream_docs[s] for s in live)
    ingest_writes = len(uploads)  # one record_uploads per upload, as the ingest does
    counted = {s: (client.collection("streams").document(s).get().get("stats") or {}) for s in live}
    return {
        "streams": streams,
        "segments_per_stream": segments,
        "backfill_segments": backfill,
        "instances": INSTANCES,
        "workers": workers,
        "seconds": round(seconds, 2),
        "outcomes": dict(outcomes),
        "failed_deliveries": len(failures),
        "failures": failures[:5],
        "transactions_begun": wire.begun,
        "transactions_aborted": wire.aborted,
        "plain_writes_aborted_and_retried": wire.plain_aborted,
        "stream_doc_writes_per_live_segment": round(
            (live_writes - ingest_writes) / len(uploads), 3
        ),
        "stream_doc_writes_per_live_segment_with_ingest": round(live_writes / len(uploads), 3),
        "stream_doc_writes_per_backfilled_segment": round(stream_docs[replayed] / backfill, 3),
        # Aborted commits sent again: what contention costs on top of the writes above.
        "stream_doc_commit_attempts_per_backfilled_segment": round(
            wire.to_doc(f"streams/{replayed}", attempts=True) / backfill, 3
        ),
        "hottest_stream_doc_writes_per_s": round(max(stream_docs.values()) / seconds, 2),
        "live_rate_writes_per_s_per_stream": round(
            live_writes / len(uploads) / SEGMENT_S, 2
        ),  # at one segment per 2 s, live
        "counters_exact": all(c.get("segments") == segments for c in counted.values()),
    }


def metadata(seq: int) -> dict[str, str]:
    return {
        "seq": str(seq),
        "duration": f"{SEGMENT_S:.3f}",
        "media_start": f"{seq * SEGMENT_S:.3f}",
    }


def markdown(r: dict) -> str:
    return "\n".join(
        [
            "# Contention on the stream document",
            "",
            f"{r['streams']} streams x {r['segments_per_stream']} segments analysed at once in "
            f"batch mode by {r['instances']} analyzer instances ({r['workers']} threads), the "
            f"ingest recording each upload, and a backfill re-analysing "
            f"{r['backfill_segments']} segments of another stream meanwhile; Firestore "
            f"emulator, requests counted at the client. {r['seconds']} s.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| result transactions begun | {r['transactions_begun']} |",
            f"| transactions aborted (retried) | {r['transactions_aborted']} |",
            f"| deliveries that failed (would be analysed again) | {r['failed_deliveries']} |",
            "| writes to `streams/{id}` per live segment, analyze | "
            f"{r['stream_doc_writes_per_live_segment']} |",
            "| ... with the ingest's upload record | "
            f"{r['stream_doc_writes_per_live_segment_with_ingest']} |",
            "| ... per live stream at one segment per 2 s (writes/s) | "
            f"{r['live_rate_writes_per_s_per_stream']} |",
            "| writes to `streams/{id}` per backfilled segment | "
            f"{r['stream_doc_writes_per_backfilled_segment']} |",
            "| ... commits sent, aborted ones included | "
            f"{r['stream_doc_commit_attempts_per_backfilled_segment']} |",
            f"| hottest stream document in this run (writes/s) | "
            f"{r['hottest_stream_doc_writes_per_s']} |",
            f"| counters exact | {r['counters_exact']} |",
            "",
        ]
    )


def main() -> None:
    import os
    import signal
    import subprocess
    import tempfile

    from google.cloud import firestore

    from local.ports import StackPorts
    from local.runner import VENV_BIN, free_port, stop_process_group
    from local.sample_media import make_clip
    from local.services import firestore_command, wait_firestore, wait_tcp
    from mediacore.settings import Settings
    from mediacore.storage import S3Store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=16)
    parser.add_argument("--segments", type=int, default=30)
    parser.add_argument("--backfill", type=int, default=120)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()

    settings = Settings()
    ports = StackPorts(firestore_port=free_port())
    s3_port = free_port()
    processes = [
        subprocess.Popen(firestore_command(settings, ports), start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)],
                         start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]  # fmt: skip
    try:
        wait_firestore(settings, ports)
        wait_tcp("127.0.0.1", s3_port)
        os.environ["FIRESTORE_EMULATOR_HOST"] = f"127.0.0.1:{ports.firestore_port}"
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(key, "bench")  # moto takes any
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        store = S3Store("contention", f"http://127.0.0.1:{s3_port}")
        store.ensure_bucket()
        with tempfile.TemporaryDirectory() as work:
            clip = make_clip(Path(work) / "clip", width=320, height=180)
            data = [p.read_bytes() for p in clip.segments]
        client = firestore.Client(project=settings.platform.project_id)
        result = run(client, store, data, args.streams, args.segments, args.backfill)
    finally:
        for process in processes:
            stop_process_group(process, signal.SIGTERM)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "contention.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "contention.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
