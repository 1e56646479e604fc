"""Ship finished HLS fragments from nginx's output folder to the bucket, losing none.

This module is the loop that ties the parts together, one stream at a time
under a per-stream lock: ``watcher.py`` says which stream to look at,
``timeline.py`` decides which fragments are finished and numbers them,
``spool.py`` claims them crash-safely, ``upload.py`` ships them with backoff,
``playlist.py`` rewrites the playback playlist and ``status.py`` the stream
document. A failed upload stays in the spool; ``space.py`` bounds the spool, and
what it drops (oldest first) is counted on the stream document. A claim that
fails (a full disk) never stops the uploads that free space: the pass goes on.
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
from ingest.space import Drop, make_room
from ingest.spool import Spool, StreamState
from ingest.status import StreamStatus
from ingest.timeline import claim_fragment, is_finished
from ingest.upload import SegmentUploader
from ingest.watcher import PlaylistWatcher
from mediacore import metrics
from mediacore.names import check_stream_id, parse_segment_object, segment_object, segments_prefix
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
            ended is not None
            and time.monotonic() - ended >= CLOSE_GRACE_S
            and not spool.pending()
            and not spool.held()
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
            drops = self._recover_unreadable(stream_id, spool)
            state = spool.load_state() or self._state_from_bucket(stream_id)
            listed, finished = self._finished_fragments(folder)
            if state is None:  # no numbers until the bucket answers: keep them held
                self._hold(stream_id, spool, finished)
            else:
                # Never a number again that a spooled or set-aside segment holds.
                state.next_seq = max(state.next_seq, spool.next_unused_seq())
                # Held fragments came first; nginx's listing may no longer describe them.
                queue = [(path, None) for path in spool.held()]
                queue += [(path, listed.get(fragment_number(path.name))) for path in finished]
                for fragment_path, listing in queue:
                    try:
                        state = self._claim(stream_id, spool, fragment_path, listing, state)
                    except OSError as exc:
                        log.warning(
                            "stream %s: cannot claim %s (%s); uploading what is spooled first",
                            stream_id,
                            fragment_path.name,
                            exc.strerror or exc,
                        )
                        break
            if self._uploads.ready(stream_id):
                drops += self._upload_pending(stream_id, spool)
            ingest = self._settings.ingest
            drops += make_room(spool, ingest.spool_max_mb, ingest.spool_min_free_mb)
            if drops:
                self._dropped(stream_id, drops)

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

    def _hold(self, stream_id: str, spool: Spool, finished: list[Path]) -> None:
        for path in finished:
            try:
                spool.hold(path)
            except OSError as exc:
                log.warning("stream %s: cannot hold %s (%s)", stream_id, path.name, exc)
                return
        if finished:
            log.warning(
                "stream %s: bucket unavailable to number segments; %d fragment(s) held",
                stream_id,
                len(spool.held()),
                extra={"stream_id": stream_id, "held": len(spool.held())},
            )

    def _claim(
        self, stream_id: str, spool: Spool, path: Path, listing: Listed | None, state: StreamState
    ) -> StreamState:
        # A held fragment's name is "{hold index}-{nginx name}".
        number = fragment_number(path.name.rsplit("-", 1)[-1])
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

    def _upload_pending(self, stream_id: str, spool: Spool) -> list[Drop]:
        """Upload what is spooled; the segments set aside because their name is taken."""
        done = self._uploads.upload_pending(stream_id, spool)
        if done.uploaded:
            self._playlists.add(stream_id, done.uploaded)
            self._status.uploaded(stream_id, done.uploaded)
        if self._closed(stream_id, spool):
            self._playlists.end(stream_id)
        return [Drop(seq, "name_taken") for seq in done.set_aside]

    def _dropped(self, stream_id: str, drops: list[Drop]) -> None:
        for reason in sorted({d.reason for d in drops}):
            seqs = [d.seq for d in drops if d.reason == reason]
            metrics.segments_dropped.labels(stream_id, reason).inc(len(seqs))
            log.warning(
                "stream %s: %d segment(s) dropped (%s): %s",
                stream_id,
                len(seqs),
                reason,
                seqs,
                extra={"stream_id": stream_id, "dropped": len(seqs), "reason": reason},
            )
        self._status.dropped(stream_id, drops)

    def _recover_unreadable(self, stream_id: str, spool: Spool) -> list[Drop]:
        """Spooled segments whose claim record is lost (a disk that lied about a write):
        done if the bucket has them, else set aside. Never retried forever."""
        drops = []
        for seq in spool.unreadable():
            name = segment_object(stream_id, seq)
            try:
                stored = self._store.stat(name)
            except Exception:
                log.warning("stream %s: bucket unavailable to check %s", stream_id, name)
                continue  # the next pass asks again
            if stored is not None and stored.size == spool.media(seq).stat().st_size:
                spool.done(seq)  # shipped before its record was lost
                continue
            log.error("stream %s: claim %d is unreadable; its segment is set aside", stream_id, seq)
            spool.set_aside(seq)
            drops.append(Drop(seq, "unreadable"))
        return drops

    def _state_from_bucket(self, stream_id: str) -> StreamState | None:
        """For a stream this machine has no state for: continue after what the bucket has,
        numbers and media time. None while the bucket cannot say."""
        try:
            return self._last_in_bucket(stream_id)
        except Exception as exc:
            log.warning("stream %s: bucket unavailable to number segments: %s", stream_id, exc)
            return None

    def _last_in_bucket(self, stream_id: str) -> StreamState:
        last = None
        for obj in self._store.list(segments_prefix(stream_id)):
            segment = parse_segment_object(obj.name)
            if segment and (last is None or segment.seq > last.seq):
                last = segment
        if last is None:
            return StreamState()
        stored = self._store.stat(segment_object(stream_id, last.seq))
        meta = stored.metadata if stored else {}
        try:
            media_end = float(meta["media_start"]) + float(meta["duration"])
        except (KeyError, ValueError):
            media_end = 0.0
        return StreamState(next_seq=last.seq + 1, last_media_end=media_end)
