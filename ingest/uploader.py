"""Ship finished HLS fragments from nginx's output folder to the bucket, losing none.

When is a fragment finished? nginx-rtmp writes a fragment, and only when it is
closed lists it in ``index.m3u8``, which it rewrites into place by rename. So
the uploader reacts to that rename (watchdog/inotify), never to file
create/modify events, and a periodic rescan is the safety net. A fragment
counts as finished when it is listed, when a later fragment is listed (it fell
out of the playlist window), or when nobody has written to it for longer than
nginx keeps an idle publisher (an abandoned partial fragment after a crash).

Each finished fragment is claimed into the stream's spool (see spool.py) with
its bucket sequence number and the DESIGN.md metadata, then uploaded with an
idempotent create, then removed locally. Failed uploads stay in the spool and
are retried with backoff; nothing is dropped. After each upload the bucket's
live playback playlist is rewritten and the stream document updated (keyframe
interval and its warning, sequence gaps, last upload).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

from watchdog.events import DirMovedEvent, FileMovedEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ingest.playlist import (
    Listed,
    PlaybackEntry,
    fragment_number,
    playback_playlist,
    read_nginx_playlist,
)
from ingest.probe import probe
from ingest.spool import Claim, Spool, StreamState
from mediacore import metrics
from mediacore.names import check_stream_id, parse_segment_object, playlist_object, segment_object
from mediacore.settings import Settings
from mediacore.storage import ObjectExists, ObjectStore

log = logging.getLogger(__name__)

KEYFRAME_TOLERANCE_S = 0.1  # PTS rounding; a 2 s GOP measures 2.0-2.03 s
MAX_BACKOFF_S = 30.0


def keyframe_warning(interval: float, target: float) -> str | None:
    if interval <= target + KEYFRAME_TOLERANCE_S:
        return None
    return (
        f"Keyframes arrive every {interval:.1f} s, so segments are {interval:.1f} s long and "
        f"results lag behind. Set OBS keyframe interval to {target:g} s "
        "(Settings > Output > Keyframe Interval)."
    )


class _PlaylistEvents(FileSystemEventHandler):
    def __init__(self, uploader: Uploader):
        self._uploader = uploader

    def on_moved(self, event):
        dest = Path(event.dest_path)
        if dest.name == "index.m3u8":
            self._uploader.notify(dest.parent.name)


class Uploader:
    def __init__(self, settings: Settings, store: ObjectStore, registry, hls_root: Path):
        self._settings = settings
        self._store = store
        self._registry = registry
        self.hls_root = Path(hls_root)
        self.hls_root.mkdir(parents=True, exist_ok=True)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._queued: set[str] = set()
        self._queued_lock = threading.Lock()
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._windows: dict[str, deque[PlaybackEntry]] = {}
        self._ended: dict[str, float] = {}  # stream -> when nginx said publishing ended
        self._retry_at: dict[str, float] = {}
        self._endlisted: set[str] = set()
        self._backoff: dict[str, float] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._observer = Observer()

    # --- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        # Only renames: nginx writes every fragment in many small chunks, and waking
        # up for each write would cost more CPU than the upload itself.
        self._observer.schedule(
            _PlaylistEvents(self),
            str(self.hls_root),
            recursive=True,
            event_filter=[FileMovedEvent, DirMovedEvent],
        )
        self._observer.start()
        for i in range(self._settings.upload_workers):
            self._spawn(self._work, f"upload-{i}")
        self._spawn(self._rescan_loop, "rescan")
        self.rescan()  # whatever a previous run left on disk goes first

    def stop(self) -> None:
        self._stop.set()
        self._observer.stop()
        for _ in range(self._settings.upload_workers):
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        self._observer.join(timeout=5)

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # --- triggers -------------------------------------------------------------
    def notify(self, stream_id: str) -> None:
        with self._queued_lock:
            if stream_id in self._queued:
                return
            self._queued.add(stream_id)
        self._queue.put(stream_id)

    def rescan(self) -> None:
        for folder in self.hls_root.iterdir():
            if folder.is_dir():
                self.notify(folder.name)

    def publish_started(self, stream_id: str) -> None:
        self._ended.pop(stream_id, None)
        self._endlisted.discard(stream_id)

    def publish_ended(self, stream_id: str) -> None:
        self._ended[stream_id] = time.monotonic()
        self.notify(stream_id)

    def _closed(self, stream_id: str, spool: Spool) -> bool:
        """Publishing ended a while ago and every fragment is shipped: the playlist can end.
        The wait covers nginx closing the last fragment after it calls on_publish_done."""
        ended = self._ended.get(stream_id)
        return ended is not None and time.monotonic() - ended >= 1.0 and not spool.pending()

    def _rescan_loop(self) -> None:
        while not self._stop.wait(self._settings.rescan_interval_s):
            self.rescan()

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
            if time.monotonic() >= self._retry_at.get(stream_id, 0.0):
                self._upload_pending(stream_id, spool)

    def _finished_fragments(self, folder: Path) -> tuple[dict[int, Listed], list[Path]]:
        listed = read_nginx_playlist(folder / "index.m3u8")
        newest_listed = max(listed, default=-1)
        abandoned_after = self._settings.drop_idle_publisher_s + 2.0
        finished = []
        candidates = ((fragment_number(p.name), p) for p in folder.glob("*.ts"))
        for number, path in sorted((n, p) for n, p in candidates if n is not None):
            try:
                idle = time.time() - path.stat().st_mtime
            except FileNotFoundError:
                continue
            if number in listed or number < newest_listed or idle > abandoned_after:
                finished.append(path)
        return listed, finished

    def _claim(
        self, stream_id: str, spool: Spool, path: Path, listing: Listed | None, state: StreamState
    ) -> StreamState:
        number = fragment_number(path.name)
        timing = probe(path)
        mtime = path.stat().st_mtime
        duration = timing.duration if timing else (listing.duration if listing else 0.0)

        gap = 0
        if state.last_fragment is not None and number > state.last_fragment + 1:
            gap = number - state.last_fragment - 1
        # A new publish session restarts the publisher's clock: continue media time
        # where the last segment ended instead of jumping back.
        continuous = (
            timing is not None
            and state.last_pts_end is not None
            and not (listing and listing.discontinuity)
            and -0.5 <= timing.first_pts - state.last_pts_end <= 5.0
        )
        if continuous:
            media_start = state.last_media_end + (timing.first_pts - state.last_pts_end)
        else:
            media_start = state.last_media_end

        keyframe_interval = None
        if timing and timing.keyframes:
            marks = timing.keyframes
            if continuous and state.last_keyframe is not None:
                marks = [state.last_keyframe, *marks]
            steps = [b - a for a, b in zip(marks, marks[1:], strict=False)]
            keyframe_interval = max(steps) if steps else None

        seq = state.next_seq
        started_at = datetime.fromtimestamp(mtime, UTC) - timedelta(seconds=duration)
        metadata = {
            "stream_id": stream_id,
            "seq": str(seq),
            "duration": f"{duration:.3f}",
            "media_start": f"{media_start:.3f}",
            "program_date_time": started_at.isoformat(timespec="milliseconds"),
            "fragment": str(number),
        }
        if timing:
            metadata["pts"] = f"{timing.first_pts:.3f}"
        after = StreamState(
            next_seq=seq + 1,
            last_fragment=max(number, state.last_fragment or 0),
            last_pts_end=(timing.first_pts + duration) if timing else state.last_pts_end,
            last_media_end=media_start + duration,
            last_keyframe=(
                timing.keyframes[-1] if timing and timing.keyframes else state.last_keyframe
            ),
        )
        claim = Claim(
            seq,
            number,
            metadata,
            after,
            keyframe_interval,
            gap,
            discontinuity=state.last_pts_end is not None and not continuous,
            extra={"closed_at": mtime},
        )
        spool.claim(path, claim)
        metrics.segments_in.labels(stream_id).inc()
        if gap:
            log.warning(
                "stream %s: %d fragment(s) missing before fragment %d",
                stream_id,
                gap,
                number,
                extra={"stream_id": stream_id, "seq": seq, "gap": gap},
            )
        return after

    def _upload_pending(self, stream_id: str, spool: Spool) -> None:
        uploaded = []
        pending = list(spool.pending())
        metrics.pending_segments.labels(stream_id).set(len(pending))
        for claim in pending:
            name = segment_object(stream_id, claim.seq)
            data = spool.media(claim.seq).read_bytes()
            try:
                self._store.create(name, data, metadata=claim.metadata, content_type="video/mp2t")
            except ObjectExists:
                existing = self._store.stat(name)
                if existing is None or existing.size != len(data):
                    log.error(
                        "stream %s: %s exists with other content; keeping the local "
                        "file for an operator",
                        stream_id,
                        name,
                    )
                    self._schedule_retry(stream_id)
                    break
                # Same object: uploaded before a crash, before the local delete.
            except Exception:
                log.exception("stream %s: upload of %s failed; retrying", stream_id, name)
                metrics.upload_failures.inc()
                self._schedule_retry(stream_id)
                break
            spool.done(claim.seq)
            uploaded.append(claim)
            delay = time.time() - claim.extra["closed_at"]
            metrics.segments_uploaded.labels(stream_id).inc()
            metrics.stage_seconds.labels("upload").observe(delay)
            log.info(
                "segment uploaded: %s",
                name,
                extra={
                    "stage": "upload",
                    "stream_id": stream_id,
                    "seq": claim.seq,
                    "upload_delay_ms": round(delay * 1000, 1),
                },
            )
        if uploaded:
            self._retry_at.pop(stream_id, None)
            self._backoff.pop(stream_id, None)
            self._after_upload(stream_id, uploaded)
        if self._closed(stream_id, spool) and stream_id not in self._endlisted:
            self._endlisted.add(stream_id)
            self._write_playlist(stream_id, ended=True)

    def _schedule_retry(self, stream_id: str) -> None:
        backoff = min(MAX_BACKOFF_S, self._backoff.get(stream_id, 0.5) * 2)
        self._backoff[stream_id] = backoff
        self._retry_at[stream_id] = time.monotonic() + backoff

    # --- after an upload: playlist and stream document ---------------------------
    def _after_upload(self, stream_id: str, claims: list[Claim]) -> None:
        window = self._window(stream_id)
        for claim in claims:
            if window and claim.seq <= window[-1].seq:
                continue  # already read back from the bucket
            window.append(
                PlaybackEntry(
                    claim.seq,
                    float(claim.metadata["duration"]),
                    datetime.fromisoformat(claim.metadata["program_date_time"]),
                    claim.discontinuity,
                )
            )
        self._write_playlist(stream_id)
        self._update_stream(stream_id, claims)

    def _window(self, stream_id: str) -> deque[PlaybackEntry]:
        """Recent segments for the playback playlist; after a restart, read back from the bucket."""
        if stream_id not in self._windows:
            window: deque[PlaybackEntry] = deque(maxlen=self._settings.playback_window)
            names = [o.name for o in self._store.list(f"streams/{stream_id}/segments/")]
            for name in names[-self._settings.playback_window :]:
                stat = self._store.stat(name)
                segment = parse_segment_object(name)
                if stat is None or segment is None:
                    continue
                pdt = stat.metadata.get("program_date_time")
                window.append(
                    PlaybackEntry(
                        segment.seq,
                        float(stat.metadata.get("duration", 2.0)),
                        datetime.fromisoformat(pdt) if pdt else None,
                    )
                )
            self._windows[stream_id] = window
        return self._windows[stream_id]

    def _write_playlist(self, stream_id: str, ended: bool = False) -> None:
        window = list(self._window(stream_id))
        text = playback_playlist(window, ended=ended)
        try:
            self._store.put(
                playlist_object(stream_id),
                text.encode(),
                content_type="application/vnd.apple.mpegurl",
                cache_control="no-cache, max-age=0",
            )
        except Exception:
            log.exception(
                "stream %s: playlist update failed; the next upload rewrites it", stream_id
            )

    def _playback_url(self, stream_id: str) -> str:
        base = self._settings.playback_base_url
        if base:
            return f"{base.rstrip('/')}/v1/streams/{stream_id}/playlist.m3u8"
        return self._store.public_url(playlist_object(stream_id))

    def _update_stream(self, stream_id: str, claims: list[Claim]) -> None:
        from google.cloud import firestore

        last = claims[-1]
        fields: dict = {
            "ingest.last_seq": last.seq,
            "ingest.last_upload_at": firestore.SERVER_TIMESTAMP,
            "ingest.uploaded": firestore.Increment(len(claims)),
            "playlist": self._playback_url(stream_id),
        }
        intervals = [c.keyframe_interval for c in claims if c.keyframe_interval]
        if intervals:
            interval = round(max(intervals), 3)
            fields["keyframe_interval_s"] = interval
            warning = keyframe_warning(interval, self._settings.hls_fragment_s)
            fields["warnings.keyframe_interval"] = warning or firestore.DELETE_FIELD
        gaps = [c for c in claims if c.gap]
        if gaps:
            fields["ingest.gaps"] = firestore.Increment(sum(c.gap for c in gaps))
            fields["ingest.gap_log"] = firestore.ArrayUnion(
                [{"before_seq": c.seq, "missing_fragments": c.gap} for c in gaps]
            )
        try:
            self._registry.update(stream_id, fields)
        except Exception:
            log.exception("stream %s: stream document update failed", stream_id)

    def _next_free_seq(self, stream_id: str) -> int:
        """For a stream this machine has no state for: continue after what the bucket has."""
        last = None
        for obj in self._store.list(f"streams/{stream_id}/segments/"):
            segment = parse_segment_object(obj.name)
            if segment:
                last = segment.seq if last is None else max(last, segment.seq)
        return 0 if last is None else last + 1
