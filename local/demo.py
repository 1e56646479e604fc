"""``make demo``: the whole local pipeline on a sample video, results printed live.

1. starts the embedded stack (or uses the one ``make run`` already has up);
2. renders a sample 1080p30 clip with ffmpeg (cached in var/sample);
3. uploads its 2 s segments into the bucket at the pace a live stream makes
   them, with the uploader's object metadata;
4. prints every segment result the moment a Firestore listener sees it.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from local.runner import Stack
from local.sample_media import make_clip
from mediacore.names import segment_object


def playlist_durations(playlist: Path) -> list[float]:
    return [float(x) for x in re.findall(r"#EXTINF:([\d.]+)", playlist.read_text())]


def running_stack(data_dir: Path) -> Stack | None:
    """The stack `make run` started, if it is up."""
    stack = Stack(data_dir, free_ports=False)
    if stack.attach():
        return stack
    return None


def print_result(doc: dict, uploaded: dict[int, float]) -> None:
    seq = doc["seq"]
    latency = time.monotonic() - uploaded.get(seq, time.monotonic())
    if doc["status"] != "done":
        print(f"  segment {seq:3d}  {doc['status'].upper():6s} {doc.get('error')}")
        return
    for frame in doc["frames"]:
        colors = " ".join(f"{c['hex']}:{c['share']:.0%}" for c in frame["colors"][:3])
        motion = "-" if frame["motion"] is None else f"{frame['motion']:.4f}"
        print(
            f"  segment {seq:3d}  t={frame['t']:7.2f}s  brightness={frame['brightness']:.2f}  "
            f"motion={motion}  colours {colors}  (result {latency * 1000:.0f} ms after upload)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="var")
    parser.add_argument("--pace", type=float, default=1.0, help="1 = real time, 0 = no waiting")
    args = parser.parse_args()
    data_dir = Path(args.data_dir)

    stack = running_stack(data_dir)
    owned = stack is None
    if owned:
        print("starting the local stack (Firestore, Pub/Sub, fake-gcs-server, analyze)...")
        stack = Stack(data_dir, free_ports=False)
        stack.start()
        print(f"  up in {stack.startup_seconds:.1f} s")
    else:
        print("using the local stack that `make run` started")
    stack.export()
    try:
        return run_demo(data_dir, args.pace)
    finally:
        if owned:
            stack.stop()


def run_demo(data_dir: Path, pace: float) -> int:
    from google.cloud import firestore

    from mediacore.storage import open_store

    print("rendering the sample clip (ffmpeg, 1080p30, 2 s GOP)...")
    clip = make_clip(data_dir / "sample")
    durations = playlist_durations(clip.playlist)
    stream_id = "demo-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    store = open_store()
    db = firestore.Client()

    uploaded: dict[int, float] = {}
    done = threading.Event()
    seen: set[int] = set()

    def on_snapshot(_docs, changes, _read_time):
        for change in changes:
            doc = change.document.to_dict()
            if doc.get("status") and doc["seq"] not in seen:
                seen.add(doc["seq"])
                print_result(doc, uploaded)
        if len(seen) == len(clip.segments):
            done.set()

    segments = db.collection("streams").document(stream_id).collection("segments")
    watch = segments.on_snapshot(on_snapshot)
    print(f"streaming {len(clip.segments)} segments as stream '{stream_id}':")
    started = datetime.now(UTC)
    media_start = 0.0
    for seq, (path, duration) in enumerate(zip(clip.segments, durations, strict=True)):
        metadata = {
            "stream_id": stream_id,
            "seq": str(seq),
            "duration": f"{duration:.3f}",
            "media_start": f"{media_start:.3f}",
            "program_date_time": (started + timedelta(seconds=media_start)).isoformat(),
        }
        uploaded[seq] = time.monotonic()
        store.create(
            segment_object(stream_id, seq),
            path.read_bytes(),
            metadata=metadata,
            content_type="video/mp2t",
        )
        media_start += duration
        time.sleep(duration * pace)
    ok = done.wait(60)
    watch.unsubscribe()
    stats = db.collection("streams").document(stream_id).get().to_dict()["stats"]
    print(f"stream '{stream_id}': {stats}")
    if not ok:
        print("some segments got no result within 60 s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
