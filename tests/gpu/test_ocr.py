"""POST /v1/ocr over HTTP with rapidocr's real models, on brand words drawn here.

Brand names drawn by seed from BRAND_NAMES are rendered with Pillow (DejaVu and
Liberation fonts, 32-96 px, tilted up to 10 degrees, random colours with a contrasting
outline) onto real photos (scikit-image's astronaut and coffee) at 1920x1080, sent as
JPEG. Each word must come back as a line whose box holds where it was drawn; a photo
without text gives no lines.
"""

from __future__ import annotations

import io
import json
import logging
import random
import re
import time

import jsonschema
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from skimage import data

from gpu_service.app import create_app
from gpu_service.config import ClipConfig, LogoConfig, OcrConfig, ServiceConfig, SpeechConfig
from gpu_service.detectors.darknet import DarknetConfig
from gpu_service.ocr import RAPIDOCR_LOGGER, TextReader
from gpu_service.openapi import OPENAPI
from mediacore.schema import DEADLINE_HEADER, OcrResponse
from tests.gpu.conftest import BRAND_NAMES, jpeg_bytes

FONTS = "/usr/share/fonts/truetype"
FACES = (
    f"{FONTS}/dejavu/DejaVuSans-Bold.ttf",
    f"{FONTS}/dejavu/DejaVuSerif.ttf",
    f"{FONTS}/liberation/LiberationSans-Bold.ttf",
    f"{FONTS}/liberation/LiberationSerif-Regular.ttf",
)
SIZE = (1920, 1080)


def config(**ocr) -> ServiceConfig:
    return ServiceConfig(
        detector=DarknetConfig(),
        clip=ClipConfig(enabled=False),
        logos=LogoConfig(folder=None, bucket_prefix=None),
        speech=SpeechConfig(enabled=False),
        ocr=OcrConfig(**ocr),
    )


@pytest.fixture(scope="module")
def reader():
    """Loaded once for the module; the apps below share it."""
    loaded = TextReader(OcrConfig())
    loaded.load()
    assert loaded.available, loaded.error
    return loaded


@pytest.fixture(scope="module")
def client(reader):
    return create_app(config(), load_async=False, ocr=reader).test_client()


def photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(data, name)()).convert("RGB").resize(SIZE)


def with_words(seed: int, background: str) -> tuple[np.ndarray, dict[str, tuple]]:
    """A photo with four brand words, and where each was drawn (x, y, w, h, normalised)."""
    rng = random.Random(seed)
    image = photo(background)
    truth = {}
    for cell, word in enumerate(rng.sample(BRAND_NAMES, 4)):
        size = rng.choice([32, 48, 64, 96])
        font = ImageFont.truetype(rng.choice(FACES), size)
        colour = tuple(rng.randrange(256) for _ in range(3))
        outline = tuple(255 if sum(colour) < 384 else 0 for _ in range(3))
        layer = Image.new("RGBA", (int(font.getlength(word)) + 40, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(layer).text(
            (20, size // 3),
            word,
            font=font,
            fill=(*colour, 255),
            stroke_width=max(1, size // 20),
            stroke_fill=(*outline, 255),
        )
        layer = layer.rotate(rng.uniform(-10, 10), expand=True, resample=Image.BICUBIC)
        # One word per quarter of the frame: the lines cannot run into each other.
        x = (cell % 2) * SIZE[0] // 2 + rng.randrange(40, SIZE[0] // 2 - layer.width)
        y = (cell // 2) * SIZE[1] // 2 + rng.randrange(40, SIZE[1] // 2 - layer.height)
        image.paste(layer, (x, y), layer)
        left, top, right, bottom = layer.getchannel("A").getbbox()
        truth[word] = (
            (x + left) / SIZE[0],
            (y + top) / SIZE[1],
            (right - left) / SIZE[0],
            (bottom - top) / SIZE[1],
        )
    return np.asarray(image), truth


def ocr(client, frames, options=None, headers=None):
    body = {"frame": [(io.BytesIO(f), f"{i}.jpg") for i, f in enumerate(frames)]}
    if options is not None:
        body["options"] = options if isinstance(options, str) else json.dumps(options)
    return client.post(
        "/v1/ocr", data=body, content_type="multipart/form-data", headers=headers or {}
    )


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def iou(a, b) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    w = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    h = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = w * h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def inside(point, box) -> bool:
    return box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]


def schema(name):
    return {**OPENAPI["components"]["schemas"][name], "components": OPENAPI["components"]}


@pytest.fixture(scope="module")
def plain_jpeg():
    return jpeg_bytes(np.asarray(photo("coffee")), quality=85)


# --- the endpoint -----------------------------------------------------------------------------
@pytest.mark.parametrize(("seed", "background"), [(18, "astronaut"), (1800, "coffee")])
def test_brand_words_are_read_where_they_were_drawn(client, plain_jpeg, seed, background):
    image, truth = with_words(seed, background)
    answer = ocr(client, [jpeg_bytes(image, quality=85), plain_jpeg])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    jsonschema.validate(body, schema("OcrResponse"))
    result = OcrResponse.model_validate(body)
    assert result.model.startswith("rapidocr:PP-OCRv")
    words, plain = result.frames
    read = [(line.text, line.box) for line in words.lines]
    for word, drawn in truth.items():
        hits = [box for text, box in read if norm(word) in norm(text)]
        assert hits, f"seed {seed}: {word!r} not read; read {read}"
        centre = (drawn[0] + drawn[2] / 2, drawn[1] + drawn[3] / 2)
        assert any(inside(centre, box) and iou(box, drawn) >= 0.4 for box in hits), (
            f"{word!r} drawn at {drawn}, read at {hits}"
        )
    for line in words.lines:
        assert line.score >= 0.5
        x, y, w, h = line.box
        assert 0 <= x and 0 <= y and w > 0 and h > 0 and x + w <= 1 and y + h <= 1
    assert plain.lines == []  # the second frame, in request order


@pytest.mark.parametrize("background", ["coffee", "astronaut", "chelsea"])
def test_a_photo_without_text_gives_no_lines(client, background):
    # The detector boxes a cup as '8' and a cat's eyes as '0': single glyphs are dropped.
    frame = jpeg_bytes(np.asarray(photo(background)), quality=85)
    body = ocr(client, [frame]).get_json()
    assert body["frames"] == [{"lines": []}]


def test_min_score_option_filters_lines(client):
    image, _ = with_words(7, "astronaut")
    frame = jpeg_bytes(image, quality=85)
    everything = ocr(client, [frame], {"min_score": 0}).get_json()["frames"][0]["lines"]
    strict = ocr(client, [frame], {"min_score": 0.99}).get_json()["frames"][0]["lines"]
    assert all(line["score"] >= 0.99 for line in strict)
    assert {line["text"] for line in strict} <= {line["text"] for line in everything}
    assert len(everything) >= len(strict)


@pytest.mark.parametrize(
    ("frames", "options", "status", "message"),
    [
        ([], None, 400, "no 'frame' parts"),
        ([b"GIF89a not a jpeg"], None, 400, "frame 0 is not a JPEG"),
        ([b"\xff\xd8\xff\xe0" + b"\0" * 100], None, 400, "damaged JPEG"),
        (["plain"], "{not json", 400, "'options' is not JSON"),
        (["plain"], {"min_score": 2}, 400, "from 0 to 1"),
        (["plain"], {"min_score": "high"}, 400, "from 0 to 1"),
        (["plain"], {"language": "fr"}, 400, "unknown option"),
        (["plain"] * 65, None, 413, "at most 64"),
    ],
)
def test_bad_input_gets_a_clear_status(client, plain_jpeg, frames, options, status, message):
    frames = [plain_jpeg if f == "plain" else f for f in frames]
    answer = ocr(client, frames, options)
    assert answer.status_code == status, answer.get_json()
    error = answer.get_json()["error"]
    assert error["status"] == status and message in error["message"], error


def test_a_passed_deadline_is_refused_unrun(client, plain_jpeg):
    answer = ocr(client, [plain_jpeg], headers={DEADLINE_HEADER: f"{time.time() - 1:.3f}"})
    assert answer.status_code == 503
    assert "deadline has passed" in answer.get_json()["error"]["message"]


def test_readyz_names_the_ocr_model(client, reader):
    body = client.get("/readyz").get_json()
    assert body["ready"] is True
    assert body["ocr"] == {
        "model": reader.model,
        "ready": True,
        "device": "cpu",
        "det_max_side": 1280,
        "min_score": 0.5,
        "min_chars": 2,
    }
    assert body["speech"]["unavailable"] == "disabled by config (MA_SPEECH_ENABLED)"


def test_openapi_describes_ocr(client):
    served = client.get("/openapi.json").get_json()
    post = served["paths"]["/v1/ocr"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["frame"] and "options" in body["properties"]
    assert post["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OcrResponse"
    }


def test_disabled_ocr_answers_503_and_readyz_says_so(plain_jpeg):
    client = create_app(config(enabled=False), load_async=False).test_client()
    answer = ocr(client, [plain_jpeg])
    assert answer.status_code == 503
    assert "MA_OCR_ENABLED" in answer.get_json()["error"]["message"]
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["ocr"]["unavailable"] == "disabled by config (MA_OCR_ENABLED)"


def test_rapidocr_logs_through_ours_without_a_line_per_empty_frame(reader, caplog):
    logger = logging.getLogger(RAPIDOCR_LOGGER)
    assert logger.handlers == [] and logger.propagate and logger.level == logging.WARNING
    with caplog.at_level(logging.DEBUG):
        assert reader.read([np.full((720, 1280, 3), 128, np.uint8)], 0.5) == [[]]
        logger.info("an INFO line from rapidocr")
        logger.warning("a real problem")
    mine = [r.getMessage() for r in caplog.records if r.name == RAPIDOCR_LOGGER]
    assert mine == ["a real problem"]
