"""Detector plugins: real COCO detections offline (darknet), and ultralytics' loading path."""

import numpy as np
import pytest

from gpu_service.detections import iou
from gpu_service.detectors import ModelUnavailable, create_detector
from gpu_service.detectors.auto import AutoConfig
from gpu_service.detectors.darknet import DarknetConfig
from gpu_service.detectors.ultralytics_detector import UltralyticsConfig
from tests.logo_scenes import photo

# Written down by hand from the images (x, y, w, h, normalised), not from a model run.
BUS_TRUTH = [
    ("bus", (0.021, 0.213, 0.968, 0.500)),
    ("person", (0.062, 0.370, 0.241, 0.468)),  # left, in front
    ("person", (0.272, 0.375, 0.154, 0.421)),  # middle
    ("person", (0.827, 0.352, 0.173, 0.458)),  # right edge
]
ZIDANE_TRUTH = [
    ("person", (0.584, 0.057, 0.313, 0.931)),  # right, standing
    ("person", (0.096, 0.268, 0.462, 0.731)),  # left, front
]


@pytest.fixture(scope="module")
def darknet():
    return create_detector(DarknetConfig())


@pytest.mark.parametrize(("image", "truth"), [("bus", BUS_TRUTH), ("zidane", ZIDANE_TRUTH)])
def test_darknet_finds_the_people_and_the_bus(darknet, image, truth):
    [detections] = darknet.detect([photo(image)])
    for label, box in truth:
        best = max((iou(d.box, box) for d in detections if d.label == label), default=0.0)
        assert best >= 0.5, (label, box, [(d.label, d.box) for d in detections])
    assert darknet.model == "darknet:yolov3-tiny" and darknet.device == "cpu"


def test_darknet_batches_and_handles_odd_frames(darknet):
    frames = [photo("bus"), photo("zidane"), np.zeros((90, 160, 3), np.uint8)]
    results = darknet.detect(frames)
    assert len(results) == 3 and results[2] == []
    assert {d.label for d in results[0]} >= {"bus", "person"}
    assert darknet.detect([]) == []


def test_ultralytics_loads_a_local_model_through_the_weights_path(yolo_weights):
    detector = create_detector(UltralyticsConfig(weights=str(yolo_weights), score_threshold=0.0))
    assert detector.name == "ultralytics" and detector.model == "ultralytics:yolo11n-local"
    assert detector.device == "cpu"
    results = detector.detect([photo("bus"), photo("zidane")])
    assert len(results) == 2
    for detections in results:
        for d in detections[:50]:
            assert isinstance(d.label, str) and 0 <= d.score <= 1
            assert all(0 <= v <= 1 for v in d.box) and d.box[0] + d.box[2] <= 1.0001


def test_auto_prefers_ultralytics_when_its_weights_resolve(yolo_weights):
    chosen = create_detector(AutoConfig(ultralytics=UltralyticsConfig(weights=str(yolo_weights))))
    assert chosen.name == "ultralytics"


def test_auto_falls_back_to_darknet_offline(tmp_path):
    missing = str(tmp_path / "nowhere" / "yolo11n.pt")
    chosen = create_detector(AutoConfig(ultralytics=UltralyticsConfig(weights=missing)))
    assert chosen.name == "darknet"


def test_missing_weights_are_a_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="darknet model file missing"):
        create_detector(
            DarknetConfig(
                cfg=str(tmp_path / "a.cfg"), weights=str(tmp_path / "b"), names=str(tmp_path / "c")
            )
        )
    with pytest.raises(ModelUnavailable):
        create_detector(UltralyticsConfig(weights=str(tmp_path / "missing" / "x.pt")))
