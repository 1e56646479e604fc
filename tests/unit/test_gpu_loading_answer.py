"""While its models load (or when the detector failed to load), the model service answers
503 with Retry-After, never a 500 (a 500 read as a crash, and Flask refused the reply)."""

import io

from gpu_service.app import create_app
from gpu_service.config import ClipConfig, LogoConfig, ServiceConfig
from gpu_service.models import Models


class NeverLoaded(Models):
    def load(self):  # a load still running
        pass


def test_analyze_while_models_load_answers_503_with_retry_after():
    config = ServiceConfig().model_copy(
        update={
            "logos": LogoConfig(folder=None, bucket_prefix=None),
            "clip": ClipConfig(enabled=False),
        }
    )
    client = create_app(config, models=NeverLoaded(config), load_async=True).test_client()
    answer = client.post("/v1/analyze", data={"frame": (io.BytesIO(b"\xff\xd8\xff"), "0.jpg")})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert "loading" in answer.get_json()["error"]["message"]
