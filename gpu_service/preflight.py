"""``python -m gpu_service.preflight [--detector NAME]``: load the configured models, or fail.

The CUDA image runs it at build time, as its user and with the running container's
offline flags (``HF_HUB_OFFLINE``, ``YOLO_OFFLINE``): a weight file that is missing,
would be downloaded, or does not load fails the build instead of the first start on
Cloud Run. It loads on whatever is there (the build has no GPU); the device is
checked by ``/readyz`` at run time. Speech (the Whisper folder the image prepared, every
hash checked) and OCR (rapidocr's models from its wheel) load too when enabled.
"""

from __future__ import annotations

import argparse
import sys

from gpu_service.config import ServiceConfig
from gpu_service.models import Models
from gpu_service.ocr import TextReader
from gpu_service.speech import Transcriber


def problems(config: ServiceConfig, detector: str | None = None) -> list[str]:
    """Why the configured models would not all be served (empty: they would)."""
    models = Models(config)
    models._load_detector()
    found = []
    if models.detector is None:
        found.append(f"no detector: {models.detector_error}")
    elif detector and models.detector.name != detector:
        found.append(f"detector {models.detector.model}, not {detector}: its weights did not load")
    if config.clip.enabled:
        models._load_clip()
        if models.clip is None:
            found.append(f"no CLIP: {models.clip_error}")
    for name, part in (("speech", Transcriber(config.speech)), ("OCR", TextReader(config.ocr))):
        if part.config.enabled:
            part.load()
            if not part.available:
                found.append(f"no {name}: {part.error}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", help="the detector plugin that must load (e.g. ultralytics)")
    args = parser.parse_args(argv)
    found = problems(ServiceConfig.load(), args.detector)
    for problem in found:
        print(f"preflight: {problem}", file=sys.stderr)
    if not found:
        print("preflight: every configured model loads from the image")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
