"""The RTMP edge with real nginx-rtmp and ffmpeg publishers, as OBS would use it."""

from __future__ import annotations

import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import m3u8
import pytest
from google.cloud import firestore

from local.publisher import publish, publish_pattern, source_file
from local.runner import free_port, stop_process_group
from mediacore.streams import StreamRegistry
from tests.conftest import wait_port
from tests.integration.helpers import WAIT_S, files_holding, wait_for_snapshot


@pytest.fixture(scope="module")
def source(clip, tmp_path_factory):
    return source_file(clip, tmp_path_factory.mktemp("source") / "clip.mp4")


@pytest.fixture
def registry(stack_env):
    return StreamRegistry(firestore.Client(project=stack_env.info["project"]))


def rtmp(stack, stream_key: str) -> str:
    return f"{stack.info['rtmp']}/{stream_key}"


def finish(process: subprocess.Popen, timeout: float = 60) -> int:
    try:
        return process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()


def objects(store, stream_id):
    return [o for o in store.list(f"streams/{stream_id}/segments/")]


def wait_objects(store, stream_id, count, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = objects(store, stream_id)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{stream_id}: {len(objects(store, stream_id))} objects, wanted {count}")


def wait_status(registry, stream_id, status):
    return wait_for_snapshot(registry.ref(stream_id), lambda d: d.get("status") == status)


def wait_uploaded(registry, stream_id, count):
    """Until the uploader has shipped ``count`` segments and said so on the stream."""
    return wait_for_snapshot(
        registry.ref(stream_id), lambda d: d.get("ingest", {}).get("uploaded", 0) >= count
    )


def wait_endlist(store, stream_id, timeout=WAIT_S):
    """The playback playlist once the uploader has closed it (#EXT-X-ENDLIST)."""
    deadline = time.monotonic() + timeout
    while True:
        playlist = m3u8.loads(store.read(f"streams/{stream_id}/index.m3u8").decode())
        if playlist.is_endlist or time.monotonic() > deadline:
            return playlist
        time.sleep(0.3)


def stat_all(store, stream_id):
    return [store.stat(o.name) for o in objects(store, stream_id)]


def test_accepted_key_streams_into_the_bucket(stack_env, registry, store, source, clip, stream_id):
    expected = len(clip.segments)  # the source is the clip: as many 2 s segments
    stream = registry.create("Accepted", stream_id)
    assert registry.ref(stream_id).get().get("status") == "idle"
    assert finish(publish(rtmp(stack_env, stream.stream_key), source, realtime=False)) == 0
    wait_status(registry, stream_id, "ended")
    doc = wait_uploaded(registry, stream_id, expected)

    stats = stat_all(store, stream_id)
    names = [s.name for s in stats]
    assert names == [f"streams/{stream_id}/segments/{seq:08d}.ts" for seq in range(expected)]
    media_start = 0.0
    for seq, stat in enumerate(stats):
        meta = stat.metadata
        assert meta["stream_id"] == stream_id and int(meta["seq"]) == seq
        assert float(meta["media_start"]) == pytest.approx(media_start, abs=0.01)
        assert float(meta["duration"]) == pytest.approx(2.0, abs=0.05)
        assert meta["program_date_time"].endswith("+00:00")
        assert stat.content_type == "video/mp2t"
        media_start += float(meta["duration"])

    assert doc["keyframe_interval_s"] == pytest.approx(2.0, abs=0.05)
    assert "keyframe_interval" not in doc.get("warnings", {})
    assert doc["live_since"] <= doc["ended_at"]
    assert doc["playlist"] == f"{stack_env.info['api']}/v1/streams/{stream_id}/playlist.m3u8"
    assert "key_hash" not in doc and stream.secret not in str(doc)  # hash: private record

    playlist = wait_endlist(store, stream_id)
    assert [s.uri for s in playlist.segments] == [
        f"segments/{seq:08d}.ts" for seq in range(expected)
    ]
    assert all(s.program_date_time is not None for s in playlist.segments)
    assert playlist.is_endlist

    # The secret never reaches disk: nginx's folder is named by the stream id only.
    hls = Path(stack_env.info["data_dir"]) / "hls"
    assert (hls / stream_id).is_dir()
    assert not any(stream.secret in p.name for p in hls.rglob("*"))
    assert not list((hls / stream_id).glob("*.ts"))  # uploaded files are removed

    # ...and the analyze function picked every segment up.
    segments = registry.ref(stream_id).collection("segments")
    last = f"{expected - 1:08d}"
    wait_for_snapshot(segments.document(last), lambda d: d.get("status") == "done")


@pytest.mark.parametrize(
    "key", ["wrong", "missing", "unknown-stream", "path-trick"], ids=lambda k: k
)
def test_rejected_key_produces_nothing(stack_env, registry, store, source, stream_id, key):
    stream = registry.create("Guarded", stream_id)
    stream_key = {
        "wrong": f"{stream_id}?key=not-the-key",
        "missing": stream_id,
        "unknown-stream": f"nobody-{stream_id}?key={stream.secret}",
        "path-trick": f"..%2F{stream_id}?key={stream.secret}",
    }[key]
    process = publish(rtmp(stack_env, stream_key), source, realtime=False)
    assert finish(process) != 0
    time.sleep(4)  # two uploader rescans: anything on disk would have been shipped
    assert objects(store, stream_id) == []
    hls = Path(stack_env.info["data_dir"]) / "hls"
    assert not (hls / stream_id).exists() and not (hls / f"nobody-{stream_id}").exists()
    assert registry.ref(stream_id).get().get("status") == "idle"


def test_two_keys_at_once_are_independent(stack_env, registry, store, source, clip, stream_id):
    first = registry.create("One", f"{stream_id}-a")
    second = registry.create("Two", f"{stream_id}-b")
    processes = [publish(rtmp(stack_env, s.stream_key), source) for s in (first, second)]
    assert [finish(p) for p in processes] == [0, 0]
    for stream in (first, second):
        wait_status(registry, stream.stream_id, "ended")
        wait_uploaded(registry, stream.stream_id, len(clip.segments))
        stats = stat_all(store, stream.stream_id)
        assert len(stats) == len(clip.segments)
        assert {s.metadata["stream_id"] for s in stats} == {stream.stream_id}


def test_reconnect_continues_the_stream_without_overwriting(stack_env, registry, store, stream_id):
    stream = registry.create("Flaky", stream_id)
    url = rtmp(stack_env, stream.stream_key)
    assert finish(publish_pattern(url, seconds=6, gop_frames=60)) == 0
    wait_status(registry, stream_id, "ended")
    first = wait_uploaded(registry, stream_id, 3)["ingest"]["uploaded"]
    before = {s.name: s.generation for s in stat_all(store, stream_id)}

    assert finish(publish_pattern(url, seconds=6, gop_frames=60)) == 0  # same key again
    wait_status(registry, stream_id, "ended")
    doc = wait_uploaded(registry, stream_id, first + 3)
    assert doc["ingest"]["publishes"] == 2

    stats = stat_all(store, stream_id)
    assert [s.name for s in stats] == [
        f"streams/{stream_id}/segments/{seq:08d}.ts" for seq in range(len(stats))
    ]
    for stat in stats:  # nothing from the first session was replaced
        if stat.name in before:
            assert stat.generation == before[stat.name]
    starts = [float(s.metadata["media_start"]) for s in stats]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    playlist = m3u8.loads(store.read(f"streams/{stream_id}/index.m3u8").decode())
    assert sum(bool(s.discontinuity) for s in playlist.segments) == 1
    assert playlist.segments[first].discontinuity


def test_stalled_publisher_is_dropped_and_its_partial_segment_uploaded(
    stack_env, registry, store, source, stream_id
):
    stream = registry.create("Stalls", stream_id)
    process = publish(rtmp(stack_env, stream.stream_key), source)
    wait_uploaded(registry, stream_id, 2)  # two full segments, however long that took
    time.sleep(1.0)  # and part of another (it holds at least the keyframe that began it)
    process.send_signal(signal.SIGSTOP)  # the connection stays open, nothing more arrives
    try:
        wait_status(registry, stream_id, "ended")  # nginx drops it (drop_idle_publisher 3 s)
    finally:
        process.kill()
        process.wait()
    doc = wait_uploaded(registry, stream_id, 3)
    stats = stat_all(store, stream_id)
    assert len(stats) == doc["ingest"]["uploaded"] >= 3
    durations = [float(s.metadata["duration"]) for s in stats]
    assert durations[-1] < 2.0  # the partial segment made it too


def test_keyframe_warning_for_a_250_frame_gop(stack_env, registry, store, stream_id):
    stream = registry.create("OBS auto keyframes", stream_id)
    url = rtmp(stack_env, stream.stream_key)
    assert finish(publish_pattern(url, seconds=20, gop_frames=250)) == 0
    doc = wait_for_snapshot(registry.ref(stream_id), lambda d: d.get("keyframe_interval_s", 0) > 8)
    assert doc["keyframe_interval_s"] == pytest.approx(250 / 30, abs=0.1)
    assert "Set OBS keyframe interval to 2 s" in doc["warnings"]["keyframe_interval"]
    durations = [float(s.metadata["duration"]) for s in stat_all(store, stream_id)]
    assert durations[0] == pytest.approx(250 / 30, abs=0.1)


def nginx_builtin_logs() -> list[Path]:
    """The log files compiled into nginx (``--http-log-path``: nginx-rtmp's default access
    log, outside any data folder), wherever they are files rather than stderr."""
    built = subprocess.run(["nginx", "-V"], capture_output=True, text=True).stderr
    paths = re.findall(r"--(?:http|error)-log-path=(\S+)", built)
    return [Path(p) for p in paths if p.startswith("/")]


def test_stream_key_reaches_no_log_and_no_file(stack_env, registry, stream_id):
    stream = registry.create("Secret", stream_id)
    mistyped = secrets.token_urlsafe(24)  # a wrong key may be the right one mistyped
    refused = publish_pattern(rtmp(stack_env, f"{stream_id}?key={mistyped}"), 2, 60)
    assert finish(refused) != 0
    assert finish(publish_pattern(rtmp(stack_env, stream.stream_key), 4, 60)) == 0
    wait_status(registry, stream_id, "ended")
    wait_uploaded(registry, stream_id, 2)

    # nginx logs each RTMP session when it closes: wait for both of this stream's lines.
    places = [Path(stack_env.info["data_dir"]), stack_env.log_path, *nginx_builtin_logs()]
    session = f'PUBLISH "live" "{stream_id}"'

    def logged_sessions() -> int:
        return sum(p.read_text(errors="replace").count(session) for p in places if p.is_file())

    deadline = time.monotonic() + WAIT_S
    while logged_sessions() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert logged_sessions() >= 2, "nginx logged no publish session"
    for secret in (stream.secret, mistyped):
        assert files_holding(secret, places) == []
    # The access log is kept, in the stack's own log: stream id and address, no arguments.
    lines = [line for line in stack_env.log().splitlines() if session in line]
    assert len(lines) == 2 and all("127.0.0.1" in line for line in lines), lines


class StandaloneIngest:
    """nginx + the ingest service on their own ports, beside the session stack, so a
    test can kill them without stopping everything else."""

    def __init__(self, stack, data_dir: Path, **settings: str):
        self.env = {
            **os.environ,
            **stack.client_env,
            "MA_DATA_DIR": str(data_dir),
            "MA_RTMP_PORT": str(free_port()),
            "MA_RTMP_BACKEND_PORT": str(free_port()),
            "MA_INGEST_PORT": str(free_port()),
            "MA_DROP_IDLE_PUBLISHER_S": "3",
            **settings,
        }
        self.url = f"rtmp://127.0.0.1:{self.env['MA_RTMP_PORT']}/live"
        self.hls = data_dir / "hls"
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        for command in ("serve", "nginx"):
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ingest", command],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
            wait_port(int(self.env["MA_INGEST_PORT" if command == "serve" else "MA_RTMP_PORT"]))

    def kill(self) -> None:
        for process in self.processes:
            stop_process_group(process, signal.SIGKILL)
        self.processes.clear()

    def stop(self) -> None:
        for process in self.processes:
            stop_process_group(process, signal.SIGTERM)
        self.processes.clear()


def test_ingest_killed_mid_stream_loses_and_duplicates_nothing(
    stack_env, registry, store, source, stream_id, tmp_path
):
    ingest = StandaloneIngest(stack_env, tmp_path)
    stream = registry.create("Crashes", stream_id)
    ingest.start()
    try:
        publisher = publish(f"{ingest.url}/{stream.stream_key}", source)
        wait_status(registry, stream_id, "live")
        started = time.monotonic()  # seen live: media flows from (about) here, in real time
        wait_uploaded(registry, stream_id, 2)
        time.sleep(3.2)  # more segments finished, maybe not uploaded, one half-written
        ingest.kill()  # nginx and the uploader, SIGKILL, mid-stream
        streamed_before_kill = time.monotonic() - started
        finish(publisher, timeout=30)
        left_on_disk = sorted(p.name for p in (ingest.hls / stream_id).glob("*.ts"))
        time.sleep(4)  # older than the idle limit: the half-written fragment is abandoned

        ingest.start()
        url = f"{ingest.url}/{stream.stream_key}"
        assert finish(publish_pattern(url, seconds=6, gop_frames=60)) == 0  # OBS reconnects
        wait_status(registry, stream_id, "ended")
        # Until the uploader has shipped (and removed) every fragment, however long it takes.
        deadline = time.monotonic() + WAIT_S
        while list((ingest.hls / stream_id).glob("*.ts")) or list(
            (ingest.hls / stream_id / ".spool").glob("*.ts")
        ):
            assert time.monotonic() < deadline, "fragments were never uploaded"
            time.sleep(0.3)
    finally:
        ingest.stop()

    assert left_on_disk, "the kill should have left fragments behind"
    stats = stat_all(store, stream_id)
    assert [s.name for s in stats] == [
        f"streams/{stream_id}/segments/{seq:08d}.ts" for seq in range(len(stats))
    ]
    # Split the two publish sessions where the publisher's clock starts again.
    sessions, current = [], []
    for stat in stats:
        pts = float(stat.metadata["pts"])
        if current and pts < float(current[-1].metadata["pts"]):
            sessions.append(current)
            current = []
        current.append(stat)
    sessions.append(current)
    assert len(sessions) == 2, [s.metadata for s in stats]
    first, second = sessions
    # First session: every fragment once, none missing, up to the kill.
    for before, after in zip(first, first[1:], strict=False):
        end = float(before.metadata["pts"]) + float(before.metadata["duration"])
        assert float(after.metadata["pts"]) == pytest.approx(end, abs=0.05)
    covered = sum(float(s.metadata["duration"]) for s in first)
    assert covered >= streamed_before_kill - 2.5, (covered, streamed_before_kill, left_on_disk)
    assert sum(float(s.metadata["duration"]) for s in second) == pytest.approx(6.0, abs=0.1)
    # Media time runs on across the crash instead of starting again.
    starts = [float(s.metadata["media_start"]) for s in stats]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert not list((ingest.hls / stream_id).glob("*.ts"))
    assert not list((ingest.hls / stream_id / ".spool").glob("*.ts"))


def open_idle_connections(port: int, count: int, source: str) -> list[socket.socket]:
    """``count`` TCP connections to 127.0.0.1:port from the loopback address ``source``,
    none of which ever sends a byte (non-blocking: the kernel completes them)."""
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.bind((source, 0))
        sock.connect_ex(("127.0.0.1", port))
        sockets.append(sock)
    return sockets


def still_open(sockets: list[socket.socket]) -> int:
    """How many of ``sockets`` the server has not closed (nothing to read, no EOF)."""
    open_ = 0
    for sock in sockets:
        try:
            open_ += sock.recv(1) != b""
        except BlockingIOError:
            open_ += 1
        except OSError:
            pass  # reset or refused: closed
    return open_


def test_idle_connection_flood_does_not_lock_out_publishers(
    stack_env, registry, stream_id, tmp_path
):
    # More idle connections than nginx has connection slots (worker_connections 1024),
    # from one address: 127.0.0.2, loopback like the publisher's 127.0.0.1.
    flood_size = 1100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < flood_size + 200:
        pytest.skip(f"open-file limit {hard} is below the flood's {flood_size} sockets")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, flood_size + 200), hard))
    ingest = StandaloneIngest(stack_env, tmp_path, MA_RTMP_CONNECTIONS_PER_ADDRESS="8")
    stream = registry.create("Flooded", stream_id)
    ingest.start()
    flood: list[socket.socket] = []
    try:
        flood = open_idle_connections(int(ingest.env["MA_RTMP_PORT"]), flood_size, "127.0.0.2")
        url = f"{ingest.url}/{stream.stream_key}"
        publisher = publish_pattern(url, seconds=6, gop_frames=60, realtime=True)
        # Without the limit this publisher was not live after 120 s (nginx's 1024 slots
        # held by the flood); with it, 0.4 s. 60 s bounds that, however loaded the machine.
        wait_for_snapshot(registry.ref(stream_id), lambda d: d.get("status") == "live", timeout=60)
        # The real address, not the proxy's (kept in the stream's private record).
        assert registry.publisher(stream_id)["addr"] == "127.0.0.1"
        assert finish(publisher) == 0
        wait_status(registry, stream_id, "ended")
        wait_uploaded(registry, stream_id, 3)
        # Beyond the per-address limit the flood was closed at once; the rest once they
        # sent no handshake within the RTMP timeout.
        assert still_open(flood) <= 8
    finally:
        for sock in flood:
            sock.close()
        ingest.stop()
