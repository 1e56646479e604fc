"""Frame sampling on real H.264 segments, the measures on known pixels, and bad media."""

import numpy as np
import pytest

from functions.decode import SampledFrame, sample_frames, to_gray
from functions.errors import MediaError
from functions.measures import brightness, dominant_colors, measure, motion


@pytest.fixture(scope="module")
def segment(clip):
    return clip.segments[1].read_bytes()


def test_keyframe_sampling_gives_one_frame_per_gop_with_its_time(segment):
    decoded = sample_frames(segment, fps=0)
    assert (decoded.width, decoded.height, decoded.codec) == (1920, 1080, "h264")
    assert decoded.fps == pytest.approx(30)
    assert decoded.duration == pytest.approx(2.0, abs=0.05)
    assert len(decoded.keyframe_times) == 1
    assert [f.pts for f in decoded.frames] == decoded.keyframe_times
    frame = decoded.frames[0]
    assert frame.rgb.shape == (90, 160, 3)
    assert frame.neighbour_gray is not None and frame.frames_apart == 1


def test_fps_sampling_spaces_frames_evenly(segment):
    decoded = sample_frames(segment, fps=5)
    times = [f.pts for f in decoded.frames]
    assert len(times) == 10
    assert np.allclose(np.diff(times), 0.2, atol=0.034)
    assert all(f.neighbour_gray is not None for f in decoded.frames[:-1])


def test_pts_continue_across_segments(clip):
    first = sample_frames(clip.segments[0].read_bytes())
    second = sample_frames(clip.segments[1].read_bytes())
    assert second.first_pts - first.first_pts == pytest.approx(2.0, abs=0.01)


def test_measures_of_known_frames():
    black = np.zeros((90, 160, 3), np.uint8)
    white = np.full((90, 160, 3), 255, np.uint8)
    assert brightness(black) == 0.0 and brightness(white) == 1.0
    half = black.copy()
    half[:, :40] = (255, 0, 0)  # a quarter red
    colors = dominant_colors(half, 5)
    assert colors == [{"hex": "#000000", "share": 0.75}, {"hex": "#ff0000", "share": 0.25}]
    still = SampledFrame(0.0, white, to_gray(white), 1)
    assert motion(still) == 0.0
    flip = SampledFrame(0.0, white, to_gray(black), 2)
    assert motion(flip) == pytest.approx(0.5)  # full change over two frame times
    assert motion(SampledFrame(0.0, white, None, 1)) is None


def test_real_frames_move_and_have_colour(segment):
    frame = sample_frames(segment).frames[0]
    result = measure(frame, 3)
    assert 0.05 < result["brightness"] < 0.95
    assert len(result["colors"]) == 3
    assert sum(c["share"] for c in result["colors"]) < 1.0
    assert result["motion"] > 0  # the sample clip pans


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda seg: b"", "empty object"),
        (lambda seg: seg[: len(seg) // 3 + 7], "truncated MPEG-TS"),
        (lambda seg: b"\x89PNG\r\n\x1a\n" + b"\0" * 1000, "not an MPEG-TS"),
        (lambda seg: b"\x47" + b"\x00" * 187, "undecodable video"),
        (lambda seg: seg[: 188 * 40], "corrupt or undecodable video"),
    ],
)
def test_bad_media_fails_with_a_readable_reason(segment, make, reason):
    with pytest.raises(MediaError, match=reason):
        sample_frames(make(segment))


def test_audio_only_segment_has_no_video(tmp_path):
    import subprocess

    out = tmp_path / "audio.ts"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=d=2",
            "-c:a",
            "aac",
            "-f",
            "mpegts",
            str(out),
        ],
        check=True,
    )
    with pytest.raises(MediaError, match="no video stream"):
        sample_frames(out.read_bytes())


def _all_intra(seconds: float, fps: int = 60) -> bytes:
    """An all-intra H.264 segment (every frame a keyframe), as some encoders send."""
    import subprocess

    return subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
         f"testsrc2=size=320x180:rate={fps}:duration={seconds}", "-c:v", "libx264",
         "-preset", "ultrafast", "-g", "1", "-f", "mpegts", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def test_all_intra_segment_is_sampled_at_the_keyframe_spacing():
    """60 keyframes a second must not become 60 model frames a second (60x the cost)."""
    from mediacore.settings import AnalysisSettings

    analysis = AnalysisSettings()
    decoded = sample_frames(
        _all_intra(2.0),
        fps=0,
        keyframe_spacing_s=analysis.keyframe_spacing_s,
        max_frames=analysis.max_frames_per_segment,
    )
    assert len(decoded.keyframe_times) == 120
    times = [f.pts for f in decoded.frames]
    assert len(times) == 2  # ~1 fps, as on a 1 s GOP
    assert np.all(np.diff(times) >= analysis.keyframe_spacing_s - 0.001)


@pytest.mark.parametrize("fps", [0, 5])
def test_frames_per_segment_are_capped_and_spread(fps):
    """A long fragment (OBS's 'auto' keyframes, batch mode) stays within the cap."""
    decoded = sample_frames(_all_intra(12.0, fps=10), fps=fps, keyframe_spacing_s=0.1, max_frames=8)
    times = [f.pts for f in decoded.frames]
    assert len(times) == 8
    assert times[0] == pytest.approx(decoded.first_pts)
    assert times[-1] > decoded.first_pts + 9  # spread over the fragment, not its start
    assert np.all(np.diff(times) > 1.0)
