"""Wake the uploader for a stream when nginx has closed a fragment.

nginx-rtmp lists a fragment in ``index.m3u8`` only once it is closed, and
puts the playlist in place by rename. So only renames are watched (inotify via
watchdog): nginx writes every fragment in many small chunks, and waking up for
each write would cost more CPU than the upload itself. A periodic rescan of
every stream folder is the safety net (missed events, work left by a previous
run) and the retry tick after a failed upload.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import DirMovedEvent, FileMovedEvent, FileSystemEventHandler
from watchdog.observers import Observer

PLAYLIST = "index.m3u8"


class _PlaylistRenamed(FileSystemEventHandler):
    def __init__(self, on_stream: Callable[[str], None]):
        self._on_stream = on_stream

    def on_moved(self, event):
        dest = Path(event.dest_path)
        if dest.name == PLAYLIST:
            self._on_stream(dest.parent.name)


class PlaylistWatcher:
    """Calls ``on_stream(stream_folder_name)`` on each playlist rename and on every rescan."""

    def __init__(self, root: Path, on_stream: Callable[[str], None], rescan_interval_s: float):
        self._root = Path(root)
        self._on_stream = on_stream
        self._rescan_interval_s = rescan_interval_s
        self._observer = Observer()
        self._stop = threading.Event()
        self._rescanner = threading.Thread(target=self._rescan_loop, name="rescan", daemon=True)

    def start(self) -> None:
        self._observer.schedule(
            _PlaylistRenamed(self._on_stream),
            str(self._root),
            recursive=True,
            event_filter=[FileMovedEvent, DirMovedEvent],
        )
        self._observer.start()
        self._rescanner.start()

    def stop(self) -> None:
        self._stop.set()
        self._observer.stop()
        self._rescanner.join(timeout=10)
        self._observer.join(timeout=5)

    def rescan(self) -> None:
        for folder in self._root.iterdir():
            if folder.is_dir():
                self._on_stream(folder.name)

    def _rescan_loop(self) -> None:
        while not self._stop.wait(self._rescan_interval_s):
            self.rescan()
