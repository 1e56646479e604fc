"""Cloud Vision backend against a local stand-in of its REST endpoint (recorded shapes)."""

import numpy as np
import pytest
from google.cloud import vision

from functions.backends import create_backend
from functions.backends.cloud_vision import CloudVisionBackend
from functions.errors import BackendRejected, BackendUnavailable
from mediacore.settings import AnalysisSettings, Settings
from tests.vision_standin import VisionStandIn, serve


def backend(url: str, **extra) -> CloudVisionBackend:
    settings = Settings(
        analysis=AnalysisSettings(
            backend="cloud-vision",
            cloud_vision_endpoint=url,
            cloud_vision_max_results=7,
            **extra,
        )
    )
    chosen = create_backend(settings)
    assert isinstance(chosen, CloudVisionBackend)
    return chosen


def frames(n: int, width: int = 640, height: int = 360) -> list[np.ndarray]:
    return [np.full((height, width, 3), (40 * i) % 256, dtype=np.uint8) for i in range(n)]


def test_recorded_answer_maps_onto_the_segment_schema():
    stand_in = VisionStandIn()
    with serve(stand_in) as url:
        result = backend(url, brands=["coca cola"]).analyze(frames(2))
    assert result.label == "cloud-vision" and result.warnings == []
    assert len(result.frames) == 2
    labels = result.frames[0]
    objects = [d.to_json() for d in labels.detections if d.kind == "object"]
    logos = [d.to_json() for d in labels.detections if d.kind == "logo"]
    assert [(d["label"], d["score"]) for d in objects] == [("person", 0.9246), ("bus", 0.8907)]
    assert objects[0]["box"] == pytest.approx([0.0622, 0.2891, 0.2007, 0.6562], abs=1e-4)
    # Vertices left out of the JSON are zero (proto3): the bus starts at x = 0.
    assert objects[1]["box"] == pytest.approx([0.0, 0.2109, 0.9894, 0.6094], abs=1e-4)
    # Logo vertices are pixels of the 640x360 image sent; the configured brand's spelling wins.
    assert logos[0]["label"] == "coca cola"
    assert logos[0]["box"] == pytest.approx([0.1, 0.1, 0.3, 0.2], abs=1e-4)
    assert logos[1]["label"] == "Google" and logos[1]["box"][0] == 0.0
    assert [s.label for s in labels.scene] == ["sky", "land vehicle", "vehicle", "bus", "road"]


def test_request_asks_for_objects_logos_and_labels_with_jpeg_frames():
    stand_in = VisionStandIn()
    with serve(stand_in) as url:
        backend(url).analyze(frames(1))
    features = stand_in.requests[0]["requests"][0]["features"]
    # The REST transport sends enums as numbers ($alt=json;enum-encoding=int).
    kinds = {vision.Feature.Type(f["type"]).name for f in features}
    assert kinds == {"OBJECT_LOCALIZATION", "LOGO_DETECTION", "LABEL_DETECTION"}
    assert all(f["maxResults"] == 7 for f in features)
    assert stand_in.images()[0][:3] == b"\xff\xd8\xff"  # JPEG


def test_more_than_16_frames_go_in_several_calls():
    stand_in = VisionStandIn()
    with serve(stand_in) as url:
        result = backend(url).analyze(frames(20))
    assert [len(body["requests"]) for body in stand_in.requests] == [16, 4]
    assert len(result.frames) == 20


def test_a_frame_the_api_cannot_read_is_a_warning_not_a_failure():
    stand_in = VisionStandIn(per_image=["street_frame", "bad_image"])
    with serve(stand_in) as url:
        result = backend(url).analyze(frames(2))
    assert result.frames[1].detections == []
    assert result.warnings == ["frame 1: Bad image data."]


def test_every_frame_refused_fails_the_segment():
    with serve(VisionStandIn(per_image=["bad_image"])) as url:
        with pytest.raises(BackendRejected, match="Bad image data"):
            backend(url).analyze(frames(2))


def test_quota_exceeded_is_transient():
    with serve(VisionStandIn(fail_with="quota_exceeded")) as url:
        with pytest.raises(BackendUnavailable, match="Quota exceeded"):
            backend(url).analyze(frames(1))


def test_api_disabled_is_a_readable_permanent_failure():
    with serve(VisionStandIn(fail_with="api_disabled")) as url:
        with pytest.raises(BackendRejected, match="has not been used in project"):
            backend(url).analyze(frames(1))


def test_nothing_listening_is_transient():
    from local.runner import free_port

    with pytest.raises(BackendUnavailable):
        backend(f"http://127.0.0.1:{free_port()}").analyze(frames(1))


def test_text_detection_becomes_lines_with_boxes_for_brand_matching():
    from functions.brand_text import BrandMatcher
    from functions.onscreen_text import brand_detections

    stand_in = VisionStandIn(per_image=["storefront_text"])
    with serve(stand_in) as url:
        answer = backend(url).read_text(frames(1))
    (request,) = stand_in.requests
    assert request["requests"][0]["features"][0]["type"] in ("TEXT_DETECTION", 5)  # enum as sent
    lines = {line.text: line.box for line in answer.frames[0].lines}
    assert set(lines) == {"OPEN", "HEINEKEN", "Visit Spotify today"}
    assert lines["Visit Spotify today"] == pytest.approx(
        (200 / 640, 200 / 360, 212 / 640, 21 / 360)
    )
    matcher = BrandMatcher({"spotify": ["Spotify"], "heineken": ["Heineken"]})
    found = brand_detections(answer.frames[0].lines, matcher, [])
    assert sorted(d.label for d in found) == ["heineken", "spotify"]


def test_text_lines_keep_distant_words_apart():
    from functions.backends.cloud_vision import text_lines

    words = [("left", (0.1, 0.1, 0.05, 0.02)), ("right", (0.6, 0.1, 0.05, 0.02))]
    assert [line.text for line in text_lines(words)] == ["left", "right"]
