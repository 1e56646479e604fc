"""The brand library can live in the bucket (brands/{brand}/{image}), e.g. uploaded via the API."""

import uuid

from gpu_service.logos import LogoMatcher
from mediacore.storage import open_store
from tests.logo_scenes import ICONS, jpeg, logo, paste, photo


def test_logo_library_loads_from_the_bucket(stack_env):
    store = open_store()
    prefix = f"brands-{uuid.uuid4().hex[:8]}/"  # other tests upload to the shared brands/
    store.put(
        f"{prefix}starbucks/starbucks.svg",
        (ICONS / "starbucks.svg").read_bytes(),
        content_type="image/svg+xml",
    )
    store.put(f"{prefix}notes.txt", b"not a logo")
    matcher = LogoMatcher()
    assert matcher.load_store(store, prefix) == 1
    assert matcher.brands == ["starbucks"]
    scene, _ = paste(photo("coffee"), logo("starbucks"), (300, 200), 180, 20, 0.2)
    assert [d.label for d in matcher.match(jpeg(scene))] == ["starbucks"]
