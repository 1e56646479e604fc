from datetime import UTC, datetime

import m3u8

from ingest.nginx import render
from ingest.playlist import PlaybackEntry, fragment_number, playback_playlist, read_nginx_playlist
from ingest.spool import Claim, StreamState
from ingest.status import keyframe_warning, summarize
from ingest.upload import MAX_BACKOFF_S, Backoff
from mediacore.settings import IngestSettings, Settings
from mediacore.streams import NewStream, hash_key, slugify


def test_nginx_config_is_rendered_from_settings(tmp_path):
    config = render(
        Settings(
            ingest=IngestSettings(
                data_dir=str(tmp_path),
                rtmp_host="0.0.0.0",
                rtmp_port=11935,
                port=18086,
                drop_idle_publisher_s=7,
            )
        )
    )
    for line in (
        "listen 0.0.0.0:11935;",
        "drop_idle_publisher 7s;",
        "on_publish http://127.0.0.1:18086/rtmp/on_publish?instance=",
        "on_update http://127.0.0.1:18086/rtmp/on_update?instance=",
        "notify_update_timeout 10s;",
        "on_publish_done http://127.0.0.1:18086/rtmp/on_publish_done?instance=",
        f"hls_path {tmp_path.resolve()}/hls;",
        "hls_nested on;",
        "hls_fragment 2s;",
        "hls_continuous on;",
        "hls_cleanup off;",
        "daemon off;",
        # The public port is a TCP proxy with a per-address limit in front of nginx-rtmp.
        "limit_conn rtmp_per_address 10;",
        "proxy_protocol on;",
        "listen 127.0.0.1:19350 proxy_protocol;",
        "timeout 10s;",
        "access_log /dev/stdout sessions;",
    ):
        assert line in config, line
    assert "$args" not in config and "$tcurl" not in config  # the key stays out of the log
    assert "${" not in config  # every placeholder was filled


def test_nginx_playlist_is_read_by_fragment_number(tmp_path):
    path = tmp_path / "index.m3u8"
    path.write_text(
        "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-DISCONTINUITY\n"
        "#EXTINF:2.000,\n7.ts\n#EXTINF:1.480,\n8.ts\n"
    )
    listed = read_nginx_playlist(path)
    assert sorted(listed) == [7, 8]
    assert listed[7].discontinuity and not listed[8].discontinuity
    assert listed[8].duration == 1.48
    assert read_nginx_playlist(tmp_path / "missing.m3u8") == {}
    assert fragment_number("12.ts") == 12 and fragment_number("index.m3u8") is None


def test_playback_playlist_is_live_hls_with_wall_clock():
    start = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    entries = [PlaybackEntry(41, 2.0, start), PlaybackEntry(42, 2.5, start, discontinuity=True)]
    text = playback_playlist(entries)
    parsed = m3u8.loads(text)
    assert parsed.media_sequence == 41 and parsed.target_duration == 3
    assert [s.uri for s in parsed.segments] == ["segments/00000041.ts", "segments/00000042.ts"]
    assert parsed.segments[0].program_date_time == start
    assert parsed.segments[1].discontinuity and not parsed.is_endlist
    assert m3u8.loads(playback_playlist(entries, ended=True)).is_endlist


def test_keyframe_warning_only_above_target():
    assert keyframe_warning(2.0, 2) is None
    assert keyframe_warning(2.033, 2) is None
    warning = keyframe_warning(8.333, 2)
    assert "every 8.3 s" in warning and "Set OBS keyframe interval to 2 s" in warning


def claim(seq, keyframe_interval=None, gap=0, discontinuity=False):
    metadata = {"duration": "2.000", "program_date_time": "2026-11-25T18:00:08.000+00:00"}
    return Claim(seq, seq, metadata, StreamState(seq + 1), keyframe_interval, gap, discontinuity)


def test_upload_summary_for_the_stream_document():
    summary = summarize([claim(4, 2.0), claim(5, gap=2), claim(6, 8.33349, gap=1)], 2)
    assert (summary.count, summary.last_seq) == (3, 6)
    assert summary.keyframe_interval_s == 8.333  # the longest in the batch
    assert "every 8.3 s" in summary.keyframe_warning
    assert summary.gaps == ((5, 2), (6, 1))

    fine = summarize([claim(7, 2.01)], 2)
    assert fine.keyframe_interval_s == 2.01 and fine.keyframe_warning is None  # clears it
    unmeasured = summarize([claim(8)], 2)
    assert unmeasured.keyframe_interval_s is None and unmeasured.gaps == ()  # leaves it


def test_playback_entry_from_a_claim():
    entry = PlaybackEntry.from_claim(claim(9, discontinuity=True))
    assert entry == PlaybackEntry(9, 2.0, datetime(2026, 11, 25, 18, 0, 8, tzinfo=UTC), True)


def test_backoff_doubles_per_key_up_to_the_cap_and_resets_on_success():
    now = [100.0]
    backoff = Backoff(clock=lambda: now[0])
    assert backoff.ready("a")
    delays = [backoff.failed("a") for _ in range(7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, MAX_BACKOFF_S, MAX_BACKOFF_S]
    assert not backoff.ready("a") and backoff.ready("b")
    now[0] += MAX_BACKOFF_S
    assert backoff.ready("a")
    backoff.succeeded("a")
    assert backoff.failed("a") == 1.0


def test_stream_keys_and_ids():
    assert slugify("Studio A — Main Cam!") == "studio-a-main-cam"
    assert slugify("!!!") == "stream"
    stream = NewStream("studio-a", "Studio A", "s3cr3t")
    assert stream.stream_key == "studio-a?key=s3cr3t"
    assert hash_key("s3cr3t") != "s3cr3t" and len(hash_key("s3cr3t")) == 64
