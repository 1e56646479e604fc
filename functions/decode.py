"""Sample frames from one segment with PyAV, each stamped with its presentation time.

Two sampling strategies:

- keyframes (``fps=0``, realtime): only keyframe packets (and the few after
  each that yield its neighbour, see below) reach the decoder; the rest are
  dropped at the demuxer, cheaper still than ``skip_frame="NONKEY"``.
- ``fps>0`` (batch): full decode, keeping the first frame at or after each
  1/fps step.

Keyframes are sampled at least ``keyframe_spacing_s`` apart, and a segment yields
at most ``max_frames`` in either mode: an all-intra 60 fps stream would otherwise
send every frame to the models (60x the Cloud Vision bill), and a long fragment in
batch mode more frames than the model service takes in one request. Past twice the
cap, every other sample is dropped and the spacing doubles (memory stays bounded);
the samples left are then thinned evenly to the cap.

Each sample also keeps the frame presented right after it, its *neighbour*, so
that motion can be measured as consecutive-frame change (as Frigate's motion
detector does) for every sample, even when a segment holds one keyframe.

Frames are scaled to a small RGB thumbnail here (by libswscale) because the
measures need no more; detectors get full frames in a later stage.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np

from functions.errors import MediaError

TS_PACKET = 188
PROBE_NO_DECODE = {"skip_frame": "all"}


@dataclass
class SampledFrame:
    pts: float  # presentation time in the segment's own clock, seconds
    rgb: np.ndarray  # thumbnail, H x W x 3 uint8
    neighbour_gray: np.ndarray | None  # next decoded frame's luma, same size
    frames_apart: int  # how many frame durations separate the two
    image: np.ndarray | None = None  # RGB for the models, long side <= infer_side


@dataclass
class DecodedSegment:
    frames: list[SampledFrame]
    first_pts: float
    duration: float
    width: int
    height: int
    fps: float
    codec: str
    keyframe_times: list[float]


def check_container(data: bytes, ext: str) -> None:
    """Cheap structural checks that give a clear reason before the decoder does."""
    if not data:
        raise MediaError("empty object (0 bytes)")
    if ext == "ts":
        if data[0] != 0x47:
            raise MediaError("not an MPEG-TS segment (no 0x47 sync byte at offset 0)")
        if len(data) % TS_PACKET:
            raise MediaError(
                f"truncated MPEG-TS segment: {len(data)} bytes is not a whole number of "
                f"{TS_PACKET}-byte packets"
            )


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma in 0..1."""
    return (rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)) / 255


def sample_frames(
    data: bytes,
    *,
    ext: str = "ts",
    fps: float = 0.0,
    thumb_width: int = 160,
    infer_side: int | None = None,
    keyframe_spacing_s: float = 0.0,
    max_frames: int | None = None,
):
    """Sampled frames with thumbnails; also model-sized images when ``infer_side`` is set."""
    check_container(data, ext)
    spacing = 1.0 / fps if fps > 0 else keyframe_spacing_s
    try:
        decoded = _decode(data, fps <= 0, spacing, max_frames, thumb_width, infer_side)
    except (av.FFmpegError, ValueError) as exc:
        raise MediaError(f"corrupt or undecodable video: {exc}") from exc
    if max_frames:
        decoded.frames = spread(decoded.frames, max_frames)
    return decoded


def spread(frames: list[SampledFrame], count: int) -> list[SampledFrame]:
    """At most ``count`` frames, the nearest to evenly spaced times, first and last kept."""
    if len(frames) <= count:
        return frames
    if count == 1:
        return frames[:1]
    start, step = frames[0].pts, (frames[-1].pts - frames[0].pts) / (count - 1)
    chosen: list[int] = []
    for i in range(count):
        first = chosen[-1] + 1 if chosen else 0
        last = len(frames) - (count - i)  # leave a frame for each target still to come
        target = start + i * step
        chosen.append(min(range(first, last + 1), key=lambda k: abs(frames[k].pts - target)))
    return [frames[k] for k in chosen]


# Presentation times are rationals printed as floats: 1.0 s apart may read 0.99999.
SPACING_SLACK_S = 0.001


def _decode(
    data: bytes,
    keyframes_only: bool,
    spacing: float,
    max_frames: int | None,
    thumb_width: int,
    infer_side: int | None,
) -> DecodedSegment:
    with _open(data) as container:
        if not container.streams.video:
            raise MediaError("no video stream in segment")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        # Fail on damaged bitstreams instead of concealing them: a half-decoded
        # keyframe would feed grey blocks to the detectors as if they were real.
        ctx.options = {"err_detect": "explode"}
        width, height = ctx.width, ctx.height
        if not width or not height:
            raise MediaError("video stream has no frame size (corrupt header)")
        thumb_height = max(2, round(thumb_width * height / width / 2) * 2)
        rate = float(stream.average_rate or stream.guessed_rate or 30)

        frames: list[SampledFrame] = []
        keyframe_times: list[float] = []
        pending: SampledFrame | None = None
        next_t: float | None = None
        first_pts = last_pts = None
        # Keyframe mode never sends the decoder anything but a keyframe's packet and
        # the few after it that yield its neighbour; every other packet is skipped.
        feeding = not keyframes_only
        for packet in container.demux(stream):
            if packet.pts is not None:
                t = float(packet.pts * packet.time_base)
                first_pts = t if first_pts is None else min(first_pts, t)
                last_pts = t if last_pts is None else max(last_pts, t)
                if packet.is_keyframe:
                    keyframe_times.append(t)
                    # A keyframe too close to the last sample is not even decoded.
                    feeding = feeding or next_t is None or t >= next_t - SPACING_SLACK_S
            if not feeding and packet.size:
                continue
            for frame in packet.decode():
                if frame.pts is None:
                    continue
                t = float(frame.pts * frame.time_base)
                if pending is not None:
                    if t <= pending.pts:
                        continue
                    pending.neighbour_gray = to_gray(_thumb(frame, thumb_width, thumb_height))
                    pending.frames_apart = max(1, round((t - pending.pts) * rate))
                    pending = None
                    feeding = not keyframes_only
                    continue
                wanted = next_t is None or t >= next_t - SPACING_SLACK_S
                if keyframes_only:
                    wanted = wanted and frame.key_frame and (not frames or t > frames[-1].pts)
                if wanted:
                    pending = SampledFrame(t, _thumb(frame, thumb_width, thumb_height), None, 1)
                    if infer_side:
                        pending.image = _model_image(frame, infer_side)
                    frames.append(pending)
                    next_t = t + spacing if spacing > 0 else None
                    if max_frames and len(frames) >= 2 * max_frames:
                        frames, spacing = frames[::2], 2 * max(spacing, t - frames[-2].pts)
                        next_t = frames[-1].pts + spacing  # bounded memory, same spread
        if not frames:
            raise MediaError("no decodable video frames in segment")
        duration = (last_pts - first_pts) + 1.0 / rate  # last frame lasts one frame time
        return DecodedSegment(
            frames=frames,
            first_pts=first_pts,
            duration=round(duration, 3),
            width=width,
            height=height,
            fps=round(rate, 3),
            codec=ctx.name,
            keyframe_times=keyframe_times,
        )


def _open(data: bytes):
    # FFmpeg's stream probing would decode a keyframe just to learn what the codec
    # parameters already say (~20 ms at 1080p); skip it, our own decoder follows.
    # Input whose streams only show up while probing (no tables up front) can't take
    # per-stream options: open it the plain way.
    try:
        return av.open(io.BytesIO(data), mode="r", stream_options=[PROBE_NO_DECODE] * 8)
    except ValueError:
        return av.open(io.BytesIO(data), mode="r")


def _model_image(frame: av.VideoFrame, side: int) -> np.ndarray:
    scale = min(1.0, side / max(frame.width, frame.height))
    width, height = round(frame.width * scale / 2) * 2, round(frame.height * scale / 2) * 2
    return frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="AREA")


def _thumb(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    # Area averaging: each thumbnail pixel is the mean of the pixels it covers, which
    # is what colour shares and brightness want, and at half the cost of the default.
    return frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="AREA")
