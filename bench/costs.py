"""CPU cost per analysed frame, split by stage, and what it means for streams per core.

Each stage runs in this process on the real 1080p30 clip segments with the
realtime settings, timed with ``time.process_time`` (CPU of every thread, so
multi-threaded stages count fully):

- decode: PyAV keyframe sampling incl. thumbnails and the model-sized image;
- measures: brightness, dominant colours, motion;
- encode: the JPEG the analyze function sends to gpu_service;
- inference: the darknet detector on those frames (as gpu_service runs it).

The pipeline run measures the whole (analyze function + gpu_service process CPU
per frame); what the stages above do not explain is the transfer: HTTP, JPEG
decode in gpu_service, the Firestore write and the event handling.

Bare limits, measured in the same run on the same frames: PyAV decoding the keyframes
alone (``skip_frame="NONKEY"``, no conversion) and the detector's forward pass alone
(OpenCV DNN on a ready blob): ours / bare says how much the stages add.
"""

from __future__ import annotations

import time

from functions.backends.base import to_jpeg
from functions.decode import sample_frames
from functions.measures import measure
from mediacore.settings import Settings


def cpu(fn):
    started = time.process_time()
    result = fn()
    return result, time.process_time() - started


def bare_keyframe_decode(data: bytes) -> int:
    """Decode only the keyframes, as PyAV can at its cheapest; returns how many."""
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        return sum(1 for _ in container.decode(stream))


def bare_forward(detector, images) -> float:
    """The detector's network forward alone (darknet on OpenCV DNN), input ready."""
    import cv2

    from gpu_service.detectors.darknet import letterbox

    blob = cv2.dnn.blobFromImages(
        [letterbox(im, detector.input_size)[0] for im in images], 1 / 255.0
    )
    detector.net.setInput(blob)
    started = time.process_time()
    detector.net.forward(detector.output_layers)
    return time.process_time() - started


def run(segment_paths, repeats: int = 3) -> dict:
    from gpu_service.detectors import create_detector
    from gpu_service.detectors.darknet import DarknetConfig

    analysis = Settings().analysis
    detector = create_detector(DarknetConfig())
    datas = [p.read_bytes() for p in segment_paths]
    totals = {"decode": 0.0, "measures": 0.0, "encode": 0.0, "inference": 0.0}
    bare = {"decode": 0.0, "forward": 0.0}
    frames = 0
    detector.detect([sample_frames(datas[0], infer_side=analysis.inference_side).frames[0].image])
    for _ in range(repeats):
        for data in datas:
            decoded, spent = cpu(
                lambda d=data: sample_frames(
                    d,
                    fps=analysis.sample_fps,
                    thumb_width=analysis.thumb_width,
                    infer_side=analysis.inference_side,
                )
            )
            totals["decode"] += spent
            images = [f.image for f in decoded.frames]
            totals["measures"] += cpu(
                lambda d=decoded: [measure(f, analysis.dominant_colors) for f in d.frames]
            )[1]
            totals["encode"] += cpu(lambda i=images: [to_jpeg(im) for im in i])[1]
            totals["inference"] += cpu(lambda i=images: detector.detect(i))[1]
            bare["decode"] += cpu(lambda d=data: bare_keyframe_decode(d))[1]
            bare["forward"] += bare_forward(detector, images)
            frames += len(images)
    per_frame = {stage: round(spent / frames, 4) for stage, spent in totals.items()}
    limits = {stage: round(spent / frames, 4) for stage, spent in bare.items()}
    return {
        "frames": frames,
        "cpu_s_per_frame": per_frame,
        "bare_cpu_s_per_frame": limits,
        "ratio_to_bare": {
            "decode": round(per_frame["decode"] / max(limits["decode"], 1e-9), 2),
            "inference": round(per_frame["inference"] / max(limits["forward"], 1e-9), 2),
        },
        "detector": detector.model,
    }


def with_pipeline(costs: dict, pipeline: dict) -> dict:
    """Add the transfer remainder and the streams-per-core figure from the pipeline run."""
    frames_per_segment = pipeline["frames_per_segment"]
    total_per_segment = (
        pipeline["analyze_cpu_s_per_segment"] + pipeline["gpu_service_cpu_s_per_segment"]
    )
    total_per_frame = total_per_segment / frames_per_segment
    staged = sum(costs["cpu_s_per_frame"].values())
    return {
        **costs,
        "pipeline_cpu_s_per_frame": round(total_per_frame, 4),
        "transfer_cpu_s_per_frame": round(max(0.0, total_per_frame - staged), 4),
        "cpu_s_per_segment": round(total_per_segment, 4),
        # Realtime: each stream brings one 2 s segment every 2 s.
        "streams_per_core": round(pipeline["segment_s"] / total_per_segment, 1),
        "write_ms_per_frame": pipeline.get("write_ms_per_frame"),
    }


def markdown(c: dict) -> str:
    stages = c["cpu_s_per_frame"]
    ms = {k: round(v * 1000, 1) for k, v in stages.items()}
    return "\n".join(
        [
            "## CPU per analysed frame (realtime mode, 1080p30)",
            "",
            f"In-process stages over {c['frames']} sampled frames of the real segments "
            f"(detector {c['detector']}); the whole from the pipeline run above.",
            "",
            "| stage | CPU ms per frame |",
            "|---|---|",
            f"| decode (PyAV keyframes, thumbnails, model-sized image) | {ms['decode']} |",
            f"| visual measures | {ms['measures']} |",
            f"| JPEG encode for transfer | {ms['encode']} |",
            f"| inference (detector forward + pre/post) | {ms['inference']} |",
            f"| transfer rest (HTTP, JPEG decode in gpu_service, Firestore write, event) "
            f"| {round(c['transfer_cpu_s_per_frame'] * 1000, 1)} |",
            f"| **whole pipeline (analyze + gpu_service processes)** "
            f"| **{round(c['pipeline_cpu_s_per_frame'] * 1000, 1)}** |",
            f"| write (Firestore transaction, wall ms per frame) "
            f"| {c.get('write_ms_per_frame', '-')} |",
            "",
            "Bare limits in the same run: PyAV keyframe decode alone "
            f"{round(c['bare_cpu_s_per_frame']['decode'] * 1000, 1)} ms per frame (ours "
            f"{c['ratio_to_bare']['decode']}x: ours also converts to thumbnails and the model "
            "image and decodes the keyframe's neighbour for motion); the detector's forward "
            f"alone {round(c['bare_cpu_s_per_frame']['forward'] * 1000, 1)} ms (ours "
            f"{c['ratio_to_bare']['inference']}x, with letterboxing and NMS).",
            "",
            f"CPU per 2 s segment: {c['cpu_s_per_segment']} s, so one core keeps up with "
            f"**{c['streams_per_core']} concurrent 1080p30 streams** in realtime mode "
            "(one segment per stream every 2 s; CPU-bound estimate, no GPU).",
            "",
        ]
    )
