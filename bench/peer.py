"""A peer on the same input: Ultralytics' own streaming prediction against our pipeline's
stages, CPU-seconds per analysed frame, same model (YOLO11n built locally: the released
architecture and cost; weights cannot be downloaded here) and the same frame rate.

theirs: ``YOLO.predict(source=clip.mp4, stream=True, vid_stride=k)``, k chosen so it
        analyses as many frames per second as our realtime mode (one keyframe per segment);
ours:   PyAV keyframe sampling of the same clip's segments + our UltralyticsDetector.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

FPS = 30


def run(source_mp4: Path, segment_paths: list[Path], seconds: float) -> dict:
    import numpy as np
    from ultralytics import YOLO

    from functions.decode import sample_frames
    from gpu_service.detectors.ultralytics_detector import UltralyticsDetector

    with tempfile.TemporaryDirectory() as work:
        weights = Path(work) / "yolo11n.pt"
        YOLO("yolo11n.yaml").save(str(weights))
        ours_detector = UltralyticsDetector(str(weights), device="cpu")
        theirs_model = YOLO(str(weights), task="detect")
        warm = np.zeros((720, 1280, 3), np.uint8)
        ours_detector.detect([warm])
        theirs_model.predict(warm, verbose=False)

        datas = [p.read_bytes() for p in segment_paths]
        started, frames = time.process_time(), 0
        for data in datas:
            images = [f.image for f in sample_frames(data, infer_side=1280).frames]
            ours_detector.detect(images)
            frames += len(images)
        ours = (time.process_time() - started) / frames
        ours_fps = frames / seconds

        stride = max(1, round(FPS / ours_fps))
        started, analysed = time.process_time(), 0
        for _ in theirs_model.predict(
            source=str(source_mp4), stream=True, vid_stride=stride, verbose=False
        ):
            analysed += 1
        theirs = (time.process_time() - started) / max(analysed, 1)
    return {
        "model": "yolo11n (built locally)",
        "frames_ours": frames,
        "frames_theirs": analysed,
        "vid_stride": stride,
        "cpu_s_per_frame_ours": round(ours, 4),
        "cpu_s_per_frame_theirs": round(theirs, 4),
        "ratio_theirs_to_ours": round(theirs / ours, 2),
    }


def markdown(p: dict) -> str:
    return "\n".join(
        [
            "## Peer: Ultralytics streaming prediction on the same clip",
            "",
            f"Same model ({p['model']}), same frames per second: ours analysed "
            f"{p['frames_ours']} keyframes, `predict(stream=True, vid_stride={p['vid_stride']})` "
            f"{p['frames_theirs']} frames.",
            "",
            "| pipeline | CPU s per analysed frame |",
            "|---|---|",
            f"| ours (PyAV keyframe sampling + detector) | {p['cpu_s_per_frame_ours']} |",
            f"| Ultralytics `predict(stream=True)` | {p['cpu_s_per_frame_theirs']} |",
            "",
            f"Theirs costs {p['ratio_theirs_to_ours']}x ours per analysed frame: OpenCV "
            "decodes every frame of the video to reach each strided one, we decode only the "
            "keyframes.",
            "",
        ]
    )
