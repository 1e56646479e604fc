"""Logo files are checked and SVGs rendered without trusting them (mediacore/logo_images.py)."""

import io

import cv2
import pytest
from PIL import Image

from mediacore.logo_images import InvalidLogo, as_stored
from tests import hostile_logos
from tests.logo_scenes import ICONS, logo


@pytest.mark.parametrize("name", sorted(hostile_logos.corpus("/x.png")))
def test_hostile_file_is_refused_with_its_reason_and_this_process_survives(name, tmp_path):
    secret = tmp_path / "server-side.png"
    cv2.imwrite(str(secret), logo("cocacola")[..., [2, 1, 0, 3]])
    data, why = hostile_logos.corpus(str(secret))[name]
    with pytest.raises(InvalidLogo, match=why):
        as_stored(data)


@pytest.mark.parametrize("svg", ["utf-8", "latin-1"])
def test_svg_is_stored_as_a_png_fitted_in_400_px(svg):
    data = (ICONS / "starbucks.svg").read_bytes() if svg == "utf-8" else hostile_logos.latin1_svg()
    png, kind = as_stored(data)
    assert kind == "png"
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (400, 400) and image.mode == "RGBA"
    assert as_stored(png) == (png, "png")  # a stored logo is stored as it is
