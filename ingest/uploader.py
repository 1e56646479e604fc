"""Ship finished HLS fragments from nginx's output folder to the bucket, losing none.

This module is the loop that ties the parts together, one stream at a time
under a per-stream lock: ``watcher.py`` says which stream to look at,
``timeline.py`` decides which fragments are finished and numbers them,
``spool.py`` claims them crash-safely, ``upload.py`` ships them with backoff,
``playlist.py`` rewrites the playback playlist and ``status.py`` the stream
document. Nothing is dropped: a failed upload stays in the spool.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from pathlib import Path

from ingest.playlist import Listed, PlaybackPlaylists, fragment_number, read_nginx_playlist
from ingest.probe import probe
from ingest.spool import Spool, StreamState
from ingest.status import StreamStatus
from ingest.timeline import claim_fragment, is_finished
from ingest.upload import SegmentUploader
from ingest.watcher import PlaylistWatcher
from mediacore import metrics
from mediacore.names import check_stream_id, parse_segment_object, segments_prefix
from mediacore.settings import Settings
from mediacore.storage import ObjectStore

log = logging.getLogger(__name__)

# After nginx says publishing ended, how long (s) it may still take to close the last fragment.
CLOSE_GRACE_S = 1.0


class Uploader:
    def __init__(self, settings: Settings, store: ObjectStore, registry, hls_root: Path):
        self._settings = settings
        self._store = store
        self.hls_root = Path(hls_root)
        self.hls_root.mkdir(parents=True, exist_ok=True)
        self._uploads = SegmentUploader(store)
        ingest = settings.ingest
        self._playlists = PlaybackPlaylists(store, ingest.playback_window)
        self._status = StreamStatus(settings, store, registry)
        self._watcher = PlaylistWatcher(self.hls_root, self.notify, ingest.rescan_interval_s)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._queued: set[str] = set()
        self._queued_lock = threading.Lock()
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._ended: dict[str, float] = {}  # stream -> when nginx said publishing ended
        self._workers: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        self._watcher.start()
        for i in range(self._settings.ingest.upload_workers):
            worker = threading.Thread(target=self._work, name=f"upload-{i}", daemon=True)
            worker.start()
            self._workers.append(worker)
        self.rescan()  # whatever a previous run left on disk goes first

    def stop(self) -> None:
        self._watcher.stop()
        for _ in self._workers:
            self._queue.put(None)
        for worker in self._workers:
            worker.join(timeout=10)

    # --- triggers -------------------------------------------------------------
    def notify(self, stream_id: str) -> None:
        with self._queued_lock:
            if stream_id in self._queued:
                return
            self._queued.add(stream_id)
        self._queue.put(stream_id)

    def rescan(self) -> None:
        self._watcher.rescan()

    def publish_started(self, stream_id: str) -> None:
        self._ended.pop(stream_id, None)
        self._playlists.reopen(stream_id)

    def publish_ended(self, stream_id: str) -> None:
        self._ended[stream_id] = time.monotonic()
        self.notify(stream_id)

    def _closed(self, stream_id: str, spool: Spool) -> bool:
        """Publishing ended a while ago and every fragment is shipped: the playlist can end."""
        ended = self._ended.get(stream_id)
        return (
            ended is not None and time.monotonic() - ended >= CLOSE_GRACE_S and not spool.pending()
        )

    def _work(self) -> None:
        while (stream_id := self._queue.get()) is not None:
            with self._queued_lock:
                self._queued.discard(stream_id)
            try:
                self.process(stream_id)
            except Exception:
                log.exception("uploader failed on stream %s; the rescan will retry", stream_id)

    # --- one stream -----------------------------------------------------------
    def process(self, stream_id: str) -> None:
        try:
            check_stream_id(stream_id)
        except ValueError:
            log.warning("ignoring HLS folder %r: not a valid stream id", stream_id)
            return
        with self._locks[stream_id]:
            folder = self.hls_root / stream_id
            spool = Spool(folder)
            state = spool.load_state() or StreamState(next_seq=self._next_free_seq(stream_id))
            listed, finished = self._finished_fragments(folder)
            for fragment_path in finished:
                listing = listed.get(fragment_number(fragment_path.name))
                state = self._claim(stream_id, spool, fragment_path, listing, state)
            if self._uploads.ready(stream_id):
                self._upload_pending(stream_id, spool)

    def _finished_fragments(self, folder: Path) -> tuple[dict[int, Listed], list[Path]]:
        listed = read_nginx_playlist(folder / "index.m3u8")
        abandoned_after = self._settings.ingest.drop_idle_publisher_s + 2.0
        finished = []
        candidates = ((fragment_number(p.name), p) for p in folder.glob("*.ts"))
        for number, path in sorted((n, p) for n, p in candidates if n is not None):
            try:
                idle = time.time() - path.stat().st_mtime
            except FileNotFoundError:
                continue
            if is_finished(number, idle, listed, abandoned_after):
                finished.append(path)
        return listed, finished

    def _claim(
        self, stream_id: str, spool: Spool, path: Path, listing: Listed | None, state: StreamState
    ) -> StreamState:
        number = fragment_number(path.name)
        timing = probe(path)
        claim = claim_fragment(stream_id, number, timing, listing, path.stat().st_mtime, state)
        spool.claim(path, claim)
        metrics.segments_in.labels(stream_id).inc()
        if claim.gap:
            log.warning(
                "stream %s: %d fragment(s) missing before fragment %d",
                stream_id,
                claim.gap,
                number,
                extra={"stream_id": stream_id, "seq": claim.seq, "gap": claim.gap},
            )
        return claim.state_after

    def _upload_pending(self, stream_id: str, spool: Spool) -> None:
        uploaded = self._uploads.upload_pending(stream_id, spool)
        if uploaded:
            self._playlists.add(stream_id, uploaded)
            self._status.uploaded(stream_id, uploaded)
        if self._closed(stream_id, spool):
            self._playlists.end(stream_id)

    def _next_free_seq(self, stream_id: str) -> int:
        """For a stream this machine has no state for: continue after what the bucket has."""
        last = None
        for obj in self._store.list(segments_prefix(stream_id)):
            segment = parse_segment_object(obj.name)
            if segment:
                last = segment.seq if last is None else max(last, segment.seq)
        return 0 if last is None else last + 1
