"""``make demo``: the whole local pipeline on a sample video, results printed live.

1. starts the embedded stack (or uses the one ``make run`` already has up);
2. renders a sample 1080p30 clip with ffmpeg (cached in var/sample-brands): two logos
   held up on cards, brand names on banners, and a presenter (espeak-ng) naming brands;
3. registers a stream and publishes the clip to the RTMP edge with ffmpeg
   exactly as OBS would (H.264 + AAC in FLV over RTMP, 2 s keyframes, real time);
4. prints every segment result the moment a Firestore listener sees it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from local.narration import Banner, Line, draw_banners, narration, with_audio
from local.runner import Stack
from local.sample_media import branded_images, make_clip

BRANDS_DIR = Path(__file__).resolve().parent / "brands"
# On-screen text and speech of the sample clip (six images, 4 s each): the logo brands
# named again in words, and one brand known only by its name and alias (no logo).
BANNERS = [
    Banner(2, "Quiz time with WIKIPEDIA"),
    Banner(3, "Sponsored by Debian", where=(0.42, 0.1)),
    Banner(5, "Follow us on Mastodon", where=(0.08, 0.1), height=0.06),
]
LINES = [
    Line(0.8, "Welcome to the Media Analyzer demo, brought to you by Debian."),
    Line(6.0, "Follow our stream on Mastodon.", voice="en-gb"),
    Line(10.5, "The quiz questions come from Wikipedia."),
    Line(16.5, "Thanks again to Debian, and see you on Mastodon.", voice="en-gb"),
]


def running_stack(data_dir: Path) -> Stack | None:
    """The stack `make run` started, if it is up."""
    stack = Stack(data_dir, free_ports=False)
    if stack.attach():
        return stack
    return None


def print_result(doc: dict) -> None:
    seq = doc["seq"]
    timings = doc["timings"]
    latency = (timings["finished_at"] - timings["uploaded_at"]).total_seconds()
    if doc["status"] != "done":
        print(f"  segment {seq:3d}  {doc['status'].upper():6s} {doc.get('error')}")
        return
    for frame in doc["frames"]:
        colors = " ".join(f"{c['hex']}:{c['share']:.0%}" for c in frame["colors"][:3])
        motion = "-" if frame["motion"] is None else f"{frame['motion']:.4f}"
        found = Counter(
            f"{d['label']} ({d['kind']})" if d["kind"] != "object" else d["label"]
            for d in frame.get("detections", [])
            if d["score"] >= 0.4
        )
        things = ", ".join(f"{n}x {label}" if n > 1 else label for label, n in found.items())
        print(
            f"  segment {seq:3d}  t={frame['t']:7.2f}s  brightness={frame['brightness']:.2f}  "
            f"motion={motion}  colours {colors}  ({latency * 1000:.0f} ms upload -> result)"
            + (f"\n{'':16}seen: {things}" if things else "")
        )
    words = " ".join(w["word"].strip() for w in doc.get("transcript", []))
    if words:
        said = ", ".join(m["brand"] for m in doc.get("mentions", []))
        print(f'{"":16}heard: "{words}"' + (f"  -> said: {said}" if said else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="var")
    parser.add_argument("--loops", type=int, default=0, help="play the clip this many more times")
    args = parser.parse_args()
    data_dir = Path(args.data_dir)

    stack = running_stack(data_dir)
    owned = stack is None
    if owned:
        print("starting the local stack (emulators, bucket, ingest, models, functions, API)...")
        stack = Stack(data_dir, free_ports=False)
        stack.start()
        print(f"  up in {stack.startup_seconds:.1f} s")
    else:
        print("using the local stack that `make run` started")
    stack.export()
    try:
        return run_demo(data_dir, args.loops)
    finally:
        if owned:
            stack.stop()


def run_demo(data_dir: Path, loops: int) -> int:
    from google.cloud import firestore

    from local.publisher import publish
    from local.services import sign_in_lines
    from mediacore.names import playlist_object, segments_prefix
    from mediacore.storage import open_store
    from mediacore.streams import StreamRegistry

    info = json.loads((data_dir / "stack.json").read_text())
    brands = json.loads((BRANDS_DIR / "brands.json").read_text())
    register_brands(info["api"], info["api_dev_token"], brands)
    print(
        "rendering the sample clip (ffmpeg, 1080p30, 2 s GOP; two logos held up on cards, "
        "brand names on banners, a presenter naming brands)..."
    )
    folder = data_dir / "sample-narrated"
    images = branded_images(folder / "images", [b for b in brands if b.get("file")], BRANDS_DIR)
    images = draw_banners(images, BANNERS, folder / "bannered")
    clip = make_clip(folder / "hls", sources=images)
    seconds = 2.0 * len(clip.segments)
    voice = narration(LINES, seconds, folder / "narration.wav")
    source = with_audio(clip.playlist, voice, folder / "clip.mp4")
    db = firestore.Client()
    store = open_store()
    registry = StreamRegistry(db)
    stream = registry.create(
        "Demo " + datetime.now(UTC).strftime("%H:%M:%S"),
        "demo-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S"),
    )
    rtmp, api, token = info["rtmp"], info["api"], info["api_dev_token"]
    print(f"stream '{stream.stream_id}': OBS Server {rtmp}, Stream Key {stream.stream_key}")

    first_seen = time.monotonic()
    seen: set[int] = set()

    def on_snapshot(_docs, changes, _read_time):
        for change in changes:
            doc = change.document.to_dict()
            if doc.get("status") and doc["seq"] not in seen:
                seen.add(doc["seq"])
                print_result(doc)

    stream_ref = registry.ref(stream.stream_id)
    watch = stream_ref.collection("segments").on_snapshot(on_snapshot)
    print(
        f"publishing {len(clip.segments) * 2 * (loops + 1)} s of video in real time "
        "(ffmpeg -re, as OBS would)..."
    )
    publisher = publish(f"{rtmp}/{stream.stream_key}", source, realtime=True, loops=loops)
    _, errors = publisher.communicate()
    if publisher.returncode != 0:
        print(f"the publisher failed: {errors.decode(errors='replace')}", file=sys.stderr)
        return 1
    # Done when the uploader has closed the playback playlist (it writes ENDLIST once
    # the stream ended and nothing is left to upload) and every segment has a result.
    playlist = playlist_object(stream.stream_id)
    deadline = time.monotonic() + 60
    segments = 0
    while time.monotonic() < deadline:
        segments = len(list(store.list(segments_prefix(stream.stream_id))))
        closed = store.stat(playlist) and b"#EXT-X-ENDLIST" in store.read(playlist)
        if closed and segments and len(seen) >= segments:
            break
        time.sleep(0.5)
    watch.unsubscribe()
    doc = stream_ref.get().to_dict()
    print(
        f"stream '{stream.stream_id}' {doc['status']} after "
        f"{time.monotonic() - first_seen:.0f} s: {doc['stats']}"
    )
    print(f"keyframe interval {doc.get('keyframe_interval_s')} s; playback {doc.get('playlist')}")
    print_summary(api, token, stream.stream_id)
    dashboard = f"{info['dashboard']}?stream={stream.stream_id}"
    print(f"dashboard: {dashboard}  (live while the stack runs: `make run`)")
    for line in sign_in_lines(info)[1:]:  # the seeded accounts to sign in with
        print(line)
    if not segments or len(seen) < segments:
        print("some segments got no result within 60 s", file=sys.stderr)
        return 1
    return 0


def register_brands(api: str, token: str, brands: list[dict]) -> None:
    """Register the demo's brands through the control API, as a user would: PUT the brand,
    POST its logo (the model service checks it first), and print the verdict."""
    import requests

    headers = {"Authorization": f"Bearer {token}"}
    for brand in brands:
        url = f"{api}/v1/brands/{brand['brand_id']}"
        body = {"name": brand["name"], "aliases": brand.get("aliases", [])}
        requests.put(url, json=body, headers=headers, timeout=30).raise_for_status()
        if not brand.get("file"):
            print(f"  brand {brand['name']}: found by its name on screen and in speech")
            continue
        svg = (BRANDS_DIR / brand["file"]).read_text()
        svg = svg.replace("<svg ", f'<svg fill="#{brand["colour"]}" ', 1)  # in its colour
        answer = requests.post(
            f"{url}/logos",
            files={"file": (brand["file"], svg.encode(), "image/svg+xml")},
            headers=headers,
            timeout=180,
        )
        if answer.status_code != 201:
            print(f"  brand {brand['name']}: logo refused: {answer.text}", file=sys.stderr)
            continue
        check = answer.json().get("check") or {}
        print(
            f"  brand {brand['name']}: logo registered; upload check: {check.get('quality')} "
            f"(found in {check.get('found')}/{check.get('trials')} test scenes, "
            f"from {check.get('smallest_found_px')} px)"
        )


def print_summary(api: str, token: str, stream_id: str) -> None:
    """What the control API reports for the stream (the README's curl walk-through)."""
    import requests

    url = f"{api}/v1/streams/{stream_id}/summary"
    summary = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    objects = ", ".join(f"{o['label']} x{o['count']}" for o in summary.get("objects", []))
    print(f"summary from {url}:")
    print(f"  analysed {summary.get('analysed_seconds')} s; objects: {objects or '-'}")
    if not summary.get("brands"):
        print("  brands: - (add brands and logos: README, Control API)")
    for b in summary.get("brands", []):
        print(
            f"  {b['brand']:12s} on screen {b['seconds']:5.1f} s (logo {b.get('logo_seconds', 0)}"
            f" s, text {b.get('text_seconds', 0)} s); said {b.get('mentions', 0)} time(s)"
        )


if __name__ == "__main__":
    sys.exit(main())
