"""Model service benchmark: each detector bare vs behind the HTTP service, by batch size.

For every detector (darknet; ultralytics YOLO11n built locally, same compute
as the released weights) and batch size, in one run on the same frames:

- bare: ``detector.detect(batch)`` in process, the model forward and its own
  pre/post-processing;
- service: the same batch as one ``POST /v1/analyze`` to the service under
  waitress (multipart upload, JPEG decode, queue, batcher, JSON);
- concurrent: the same number of frames sent as single-frame requests by as
  many concurrent clients, which the dynamic batcher coalesces.

Overhead = service / bare - 1 at the same batch size (target <= 15 %).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import requests

from local.runner import free_port
from mediacore.stats import percentile

BATCH_SIZES = (1, 2, 4, 8, 16)


def frames_jpeg(count: int) -> tuple[list, list[bytes]]:
    """1280x720 video-like frames from the packaged photos, as arrays and JPEGs."""
    import ultralytics
    from skimage import data

    assets = Path(ultralytics.__file__).parent / "assets"
    sources = [
        cv2.cvtColor(cv2.imread(str(assets / n)), cv2.COLOR_BGR2RGB)
        for n in ("bus.jpg", "zidane.jpg")
    ] + [data.astronaut(), data.coffee()]
    images = [cv2.resize(sources[i % len(sources)], (1280, 720)) for i in range(count)]
    encoded = [
        cv2.imencode(".jpg", cv2.cvtColor(im, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])[
            1
        ].tobytes()
        for im in images
    ]
    return images, encoded


def timed(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def serve(app) -> tuple[str, object]:
    from waitress.server import create_server

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=32)
    threading.Thread(target=server.run, daemon=True).start()
    time.sleep(0.3)
    return f"http://127.0.0.1:{port}", server


def post(url: str, jpegs: list[bytes]) -> None:
    files = [("frame", (f"{i}.jpg", data, "image/jpeg")) for i, data in enumerate(jpegs)]
    response = requests.post(
        f"{url}/v1/analyze", files=files, data={"tasks": '{"logos": false}'}, timeout=300
    )
    response.raise_for_status()


def bench_detector(
    label: str, detector_config, images, jpegs, repeats: int, batch_sizes=BATCH_SIZES
) -> list[dict]:
    from gpu_service.app import create_app
    from gpu_service.config import BatchConfig, ClipConfig, LogoConfig, ServiceConfig
    from gpu_service.detectors import create_detector

    detector = create_detector(detector_config)
    rows = []
    for size in batch_sizes:
        config = ServiceConfig(
            detector=detector_config,
            clip=ClipConfig(enabled=False),
            logos=LogoConfig(folder=None, bucket_prefix=None),
            batching=BatchConfig(max_batch=size, max_wait_ms=5),
        )
        app = create_app(config, load_async=False)
        url, server = serve(app)
        try:
            batch, payload = images[:size], jpegs[:size]
            bare = timed(lambda b=batch: detector.detect(b), repeats)
            service = timed(lambda p=payload, u=url: post(u, p), repeats)
            with ThreadPoolExecutor(size) as pool:

                def concurrent(p=payload, pool=pool, u=url):
                    list(pool.map(lambda one: post(u, [one]), p))

                together = timed(concurrent, repeats)
        finally:
            server.close()
        bare_p50, service_p50 = statistics.median(bare), statistics.median(service)
        rows.append(
            {
                "detector": label,
                "model": detector.model,
                "device": detector.device,
                "batch": size,
                "bare_p50_ms": round(bare_p50 * 1000, 1),
                "bare_fps": round(size / bare_p50, 1),
                "service_p50_ms": round(service_p50 * 1000, 1),
                "service_p95_ms": round(percentile(service, 95) * 1000, 1),
                "service_fps": round(size / service_p50, 1),
                "overhead_pct": round((service_p50 / bare_p50 - 1) * 100, 1),
                "concurrent_p50_ms": round(statistics.median(together) * 1000, 1),
                "concurrent_fps": round(size / statistics.median(together), 1),
            }
        )
        print(rows[-1], flush=True)
    return rows


def run(repeats: int = 5, batch_sizes=BATCH_SIZES) -> dict:
    from ultralytics import YOLO

    from gpu_service.detectors.darknet import DarknetConfig
    from gpu_service.detectors.ultralytics_detector import UltralyticsConfig

    images, jpegs = frames_jpeg(max(batch_sizes))
    with tempfile.TemporaryDirectory() as work:
        weights = Path(work) / "yolo11n.pt"
        YOLO("yolo11n.yaml").save(str(weights))  # same architecture and cost as released
        rows = bench_detector("darknet", DarknetConfig(), images, jpegs, repeats, batch_sizes)
        rows += bench_detector(
            "ultralytics",
            UltralyticsConfig(weights=str(weights)),
            images,
            jpegs,
            repeats,
            batch_sizes,
        )
    return {"frames": "1280x720 JPEG", "repeats": repeats, "rows": rows}


def markdown(result: dict) -> str:
    lines = [
        "## Model service (gpu_service), by detector and batch size",
        "",
        f"Frames: {result['frames']}; median of {result['repeats']} runs after a warm-up. "
        "bare = `detector.detect()` in process; service = one POST with the whole batch; "
        "concurrent = as many single-frame POSTs at once (coalesced by the batcher).",
        "",
        "| detector | device | batch | bare ms | bare fps | service p50 ms | service p95 ms "
        "| service fps | overhead | concurrent ms | concurrent fps |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['model']} | {r['device']} | {r['batch']} | {r['bare_p50_ms']} | "
            f"{r['bare_fps']} | {r['service_p50_ms']} | {r['service_p95_ms']} | "
            f"{r['service_fps']} | {r['overhead_pct']} % | {r['concurrent_p50_ms']} | "
            f"{r['concurrent_fps']} |"
        )
    lines += [
        "",
        "No GPU was lent to this run; GPU numbers come from the device tool when one is.",
        "",
    ]
    return "\n".join(lines)
