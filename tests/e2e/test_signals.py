"""Brands in on-screen text and speech on the dashboard, end to end in headless Debian
Chromium against the real embedded stack.

ffmpeg publishes a clip over RTMP as OBS would: a street photo with a "FIZZ COLA" banner
and a "LATE SHOW" caption. The test stack analyses logos only (text and speech are off by
default there), so once every segment is analysed the test gives each segment what OCR and
Whisper would have found — a text detection on the banner in every frame and both OCR
lines, a sentence of transcript with its word times, the brand mentions in it, the
per-signal states, the last segment's speech shed under load with its warning — and writes
it through the pipeline's own result writer (functions/results.py, as a re-analysis of the
same object generation), which moves the stream's totals and appearances as it does live.

Signed in as an admin, it checks:

- the transcript strip under the player shows the words around the media time on screen
  and follows playback (the first words leave it as the player moves on); brand mentions
  are chips in the brand's colour; clicking one seeks the player there (+-1 s);
- the text layer draws a dashed box with what was read where the banner is, hidden by its
  toggle while logos and objects stay; the "all text read" layer draws both OCR lines;
- the brand panel shows the brand's text seconds and its two spoken mentions, the timeline
  marks mentions, the analyst view lists text and speech appearances with what was read
  or said;
- the speech and text switches call PATCH /v1/streams/{id}, persist (reload), and the
  strip says when speech is off, with a link to the settings; the shed warning shows under
  the strip once speech is on;
- a viewer sees the switches' state and cannot toggle them; at 390 px the strip fits.

A second test edits a brand's aliases on the brands page (chips, saved by PATCH, kept on
reload) and checks a viewer sees them read only.

Screenshots go to test-artifacts/e2e/ (6x-*.png).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import requests
from PIL import Image, ImageDraw, ImageFont

from local.publisher import publish
from tests.e2e.test_analyst_view import overlay_now, shot, wait_until
from tests.e2e.test_dashboard import ARTIFACTS, WAIT_MS, sign_in
from tests.integration.helpers import WAIT_S
from tests.logo_scenes import photo

WIDTH, HEIGHT, FPS = 1280, 720, 30
SECONDS = 40
BRAND, NAME = "fizzcola", "Fizz Cola"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# What is on screen: (text, left, top, font size); the first is the brand's banner.
WRITTEN = [("FIZZ COLA", 700, 90, 72), ("LATE SHOW", 60, 600, 40)]
# One sentence per 2 s segment; the brands said aloud in them.
SAID = [
    "good evening and welcome back",
    "to the late show tonight",
    "this hour comes to you from",
    "fizz cola the sparkling one",
    "our guests are already here",
    "and the band is ready",
    "grab a fizz cola and join us",
    "after the break we talk sport",
    "with red bull racing live",
    "stay with us for more",
    "the weather is fine tonight",
    "we have a packed show",
    "music from the house band",
    "and questions from you",
    "send them in right now",
    "our first guest is here",
    "please give a warm welcome",
    "to the one and only",
    "coming up right after this",
    "",  # the last segment: speech shed under load
]
MENTIONS = {"fizz cola": BRAND, "red bull": "redbull"}
SHED_WARNING = "speech shed: analysis 14 s behind live"


def banner_boxes() -> list[tuple[str, list[float]]]:
    """Each written line and its normalised box, as the font draws it."""
    out = []
    for text, left, top, size in WRITTEN:
        font = ImageFont.truetype(str(FONT), size)
        x0, y0, x1, y1 = font.getbbox(text)
        pad = 12
        box = [left + x0 - pad, top + y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad]
        out.append((text, [box[0] / WIDTH, box[1] / HEIGHT, box[2] / WIDTH, box[3] / HEIGHT]))
    return out


def make_clip(out: Path) -> Path:
    """H.264 1280x720 30 fps, a keyframe every 2 s: a street photo with the lines of WRITTEN
    on panels (DejaVu Sans Bold)."""
    base = Image.fromarray(cv2.resize(photo("bus"), (WIDTH, HEIGHT)))
    draw = ImageDraw.Draw(base)
    for (text, left, top, size), (_, box) in zip(WRITTEN, banner_boxes(), strict=True):
        x, y, w, h = box[0] * WIDTH, box[1] * HEIGHT, box[2] * WIDTH, box[3] * HEIGHT
        draw.rectangle(
            [x, y, x + w, y + h], fill=(200, 16, 46) if text == WRITTEN[0][0] else (20, 20, 20)
        )
        draw.text((left, top), text, font=ImageFont.truetype(str(FONT), size), fill=(255, 255, 255))
    frame = np.asarray(base, dtype=np.uint8).tobytes()
    encoder = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-", "-c:v", "libx264",
         "-preset", "veryfast", "-crf", "22", "-pix_fmt", "yuv420p", "-g", str(2 * FPS),
         "-keyint_min", str(2 * FPS), "-sc_threshold", "0", str(out)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    for _ in range(SECONDS * FPS):
        encoder.stdin.write(frame)
    encoder.stdin.close()
    assert encoder.wait() == 0
    return out


def words_and_mentions(sentence: str, start: float) -> tuple[list[dict], list[dict]]:
    """The sentence's words spread over the segment's first 1.8 s, and its brand mentions."""
    words = sentence.split()
    step = 1.8 / max(len(words), 1)
    timed = [
        {"word": w, "start": round(start + i * step, 3), "end": round(start + (i + 0.8) * step, 3),
         "probability": 0.93}
        for i, w in enumerate(words)
    ]  # fmt: skip
    mentions = []
    for phrase, brand in MENTIONS.items():
        parts = phrase.split()
        for i in range(len(words) - len(parts) + 1):
            if words[i : i + len(parts)] == parts:
                said = timed[i : i + len(parts)]
                mentions.append(
                    {"brand": brand, "start": said[0]["start"], "end": said[-1]["end"],
                     "text": " ".join(w["word"] for w in said), "score": 0.81}
                )  # fmt: skip
    return timed, mentions


def add_text_and_speech(db, stream_id: str) -> dict[str, int]:
    """Every analysed segment again, with what OCR and speech recognition would have found,
    through the pipeline's result writer (a re-analysis of the same generation: revision+1).
    Returns the mentions written per brand."""
    from functions.results import ResultWriter
    from mediacore.schema import SegmentResult

    (banner, banner_box), (caption, caption_box) = banner_boxes()
    writer = ResultWriter(db)
    said: dict[str, int] = {}
    docs = db.collection("streams").document(stream_id).collection("segments").stream()
    for snapshot in sorted(docs, key=lambda s: s.get("seq")):
        doc = snapshot.to_dict()
        assert doc["status"] == "done", doc
        seq, start = doc["seq"], float(doc["media_start"])
        last = seq == len(SAID) - 1
        for frame in doc["frames"]:
            frame["ocr"] = True
            frame["text"] = [
                {"text": banner, "score": 0.97, "box": banner_box},
                {"text": caption, "score": 0.91, "box": caption_box},
            ]
            frame["detections"] = [d for d in frame["detections"] if d.get("kind") != "text"]
            frame["detections"].append(
                {"label": BRAND, "score": 0.93, "box": banner_box, "kind": "text",
                 "source": "ocr", "text": banner}
            )  # fmt: skip
        words, mentions = words_and_mentions(SAID[seq] if seq < len(SAID) else "", start)
        for m in mentions:
            said[m["brand"]] = said.get(m["brand"], 0) + 1
        doc |= {
            "revision": int(doc.get("revision") or 0) + 1,
            "transcript": words,
            "mentions": mentions,
            "speech_from": start,
            "speech_to": start + float(doc.get("duration") or 2.0),
            "signals": {"logo": "done", "text": "done", "speech": "shed" if last else "done"},
            "warnings": [*doc.get("warnings", []), *([SHED_WARNING] if last else [])],
        }
        assert writer.write(stream_id, SegmentResult.model_validate(doc)), seq
    return said


def publish_and_enrich(stack_env, db, clip: Path) -> tuple[str, dict[str, int]]:
    api = stack_env.info["api"]
    auth = {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Late show"}, headers=auth, timeout=30
    )
    created.raise_for_status()
    stream_id = created.json()["stream"]["stream_id"]
    key = created.json()["stream_key"]
    publisher = publish(f"{stack_env.info['rtmp']}/{key}", clip)
    try:
        publisher.wait(timeout=SECONDS + WAIT_S)
    finally:
        publisher.kill()
        publisher.wait()
    stream = db.collection("streams").document(stream_id)
    wait_until(lambda: stream.get().get("status") == "ended", "the stream to end")

    def all_analysed() -> bool:
        uploaded = (stream.get().to_dict().get("ingest") or {}).get("uploaded") or 0
        done = [s for s in stream.collection("segments").stream() if s.to_dict().get("status")]
        return uploaded >= len(SAID) - 1 and len(done) >= uploaded

    wait_until(all_analysed, "every uploaded segment to be analysed")
    said = add_text_and_speech(db, stream_id)
    # The totals move with the writes: text seconds and mentions on the stream document.
    wait_until(
        lambda: (
            ((stream.get().to_dict().get("brands") or {}).get(BRAND) or {}).get("mentions")
            == said[BRAND]
        ),
        "the stream's totals to count the mentions",
    )
    return stream_id, said


def test_transcript_text_layer_sources_and_switches(
    stack_env,
    db,
    browser,
    dashboard,
    tmp_path,
):
    api = stack_env.info["api"]
    auth = {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}
    clip = make_clip(tmp_path / "signals.mp4")
    stream_id, said = publish_and_enrich(stack_env, db, clip)
    totals = db.collection("streams").document(stream_id).get().to_dict()["brands"][BRAND]
    assert totals["text_seconds"] > 0, totals

    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "admin")
        page.goto(f"{dashboard}#/streams/{stream_id}")
        page.get_by_test_id("stream-title").filter(has_text="Late show").wait_for()
        page.get_by_test_id("player-status").filter(has_text="playing").wait_for()
        transcript_and_seek(page)
        text_layers(page)
        following_playback(page)
        sources_in_panels(page, said)
        switches(page, db, stream_id, api, auth)
    except Exception:
        shot(page, "6x-failure.png")
        (ARTIFACTS / "6x-failure-console.txt").write_text("\n".join(console))
        raise
    finally:
        context.close()
    viewer_and_phone(browser, dashboard, stack_env, stream_id)


def transcript_and_seek(page) -> None:
    strip = page.get_by_test_id("transcript")
    mention = strip.locator(f'[data-testid="transcript-mention"][data-brand="{BRAND}"]').first
    mention.wait_for()
    # The words said around it, with the mention among them.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=transcript-words]').textContent"
        ".replace(/\\s+/g, ' ').includes('the sparkling one')"
    )
    assert mention.inner_text().lower().startswith("fizz cola"), mention.inner_text()
    # Highlighted in the brand's colour: a filled chip, unlike the plain words around it.
    fill = mention.evaluate("e => getComputedStyle(e).backgroundColor")
    plain = strip.locator(".word").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert fill != plain and fill not in ("rgba(0, 0, 0, 0)", "transparent"), (fill, plain)
    shot(page, "60-transcript.png", full_page=False)

    # A mention plays from where it was said.
    start = float(mention.get_attribute("data-start"))
    page.evaluate(
        """() => {
          const canvas = document.querySelector('ma-player canvas');
          window.__seen = [];
          const record = () => window.__seen.push(JSON.parse(canvas.dataset.overlay).mediaTime);
          new MutationObserver(record)
            .observe(canvas, { attributes: true, attributeFilter: ['data-overlay'] });
        }"""
    )
    mention.click()
    page.wait_for_function(
        "(start) => (window.__seen || []).some((t) => Math.abs(t - start) <= 1)", arg=start
    )


def text_layers(page) -> None:
    banner = banner_boxes()[0][1]
    drawn = page.wait_for_function(
        f"""() => {{
          const c = document.querySelector('ma-player canvas');
          const now = JSON.parse(c.dataset.overlay || 'null');
          const box = (now?.drawn || []).find((d) => d.kind === 'text' && d.label === '{BRAND}');
          if (!box) return null;
          return {{ box, width: c.width, height: c.height, text: box.text }};
        }}"""
    ).json_value()
    assert drawn["text"] == "FIZZ COLA", drawn
    # Where the banner is (the canvas and the 16:9 picture have the same shape here).
    box = drawn["box"]
    got = [box["x"] / drawn["width"], box["y"] / drawn["height"],
           box["width"] / drawn["width"], box["height"] / drawn["height"]]  # fmt: skip
    assert all(abs(a - b) < 0.02 for a, b in zip(got, banner, strict=True)), (got, banner)
    page.wait_for_timeout(300)
    page.locator("ma-player").screenshot(path=str(ARTIFACTS / "61-text-layer.png"))

    # Its toggle hides the text boxes only; a fresh frame is drawn without them.
    t0 = overlay_now(page)["mediaTime"]
    page.get_by_test_id("toggle-text").uncheck()
    page.wait_for_function(
        """(t0) => {
          const now = JSON.parse(document.querySelector('ma-player canvas').dataset.overlay);
          const text = now.drawn.some((d) => d.kind === 'text');
          return now.mediaTime > t0 + 0.2 && !text && now.boxes > 0;
        }""",
        arg=t0,
    )
    page.get_by_test_id("toggle-text").check()
    # Every line read, faint, behind a second toggle.
    page.get_by_test_id("toggle-ocr-lines").check()
    page.wait_for_function(
        "() => JSON.parse(document.querySelector('ma-player canvas').dataset.overlay).ocrLines >= 2"
    )
    page.wait_for_timeout(300)
    page.locator("ma-player").screenshot(path=str(ARTIFACTS / "62-ocr-lines.png"))
    page.get_by_test_id("toggle-ocr-lines").uncheck()


def sources_in_panels(page, said: dict[str, int]) -> None:
    row = page.locator(f'[data-testid="brand-panel"] [data-brand="{BRAND}"]')
    row.get_by_test_id("brand-text-seconds").wait_for()
    assert float(row.get_by_test_id("brand-text-seconds").get_attribute("data-value")) > 0
    mentions = row.get_by_test_id("brand-mentions")
    assert int(mentions.get_attribute("data-value")) == said[BRAND], said
    assert f"×{said[BRAND]}" in mentions.inner_text()
    # Only said aloud: listed with its mention, no screen seconds.
    other = page.locator('[data-testid="brand-panel"] [data-brand="redbull"]')
    assert int(other.get_by_test_id("brand-mentions").get_attribute("data-value")) >= 1
    ticks = page.locator(f'[data-testid="timeline-mention"][data-brand="{BRAND}"]')
    assert ticks.count() == said[BRAND]
    # Hiding speech on the timeline hides its lane.
    page.get_by_test_id("timeline-source-speech").click()
    page.locator('[data-testid="timeline-mention"]').first.wait_for(state="detached")
    page.get_by_test_id("timeline-source-speech").click()
    ticks.first.wait_for()
    page.locator('[data-testid="brand-panel"]').screenshot(
        path=str(ARTIFACTS / "64-brand-panel.png")
    )

    # The analyst view: what was read and said, by source.
    page.locator(
        f'[data-testid="appearance-group"][data-brand="{BRAND}"] [data-source="speech"]'
    ).first.wait_for()
    group = page.locator(f'[data-testid="appearance-group"][data-brand="{BRAND}"]')
    assert "fizz cola" in group.locator('[data-source="speech"]').first.inner_text().lower()
    assert "FIZZ COLA" in group.get_by_test_id("appearance-text").first.inner_text()
    total = page.locator(f'[data-testid="brand-totals"] [data-brand="{BRAND}"]')
    assert total.get_by_test_id("total-mentions").inner_text() == f"×{said[BRAND]}"
    assert page.get_by_test_id("mention-mark").count() >= said[BRAND]
    # The source filter keeps what was said only.
    page.locator('[data-testid="filter-sources"] mat-chip-option[data-source="speech"]').click()
    page.get_by_test_id("source-filter-note").wait_for()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=appearance]')]
                 .every((a) => a.dataset.source === 'speech')"""
    )
    shot(page, "65-analyst-sources.png")
    page.locator('[data-testid="filter-sources"] mat-chip-option[data-source="speech"]').click()


def following_playback(page) -> None:
    """The strip follows the media time on screen: late in the clip the first sentence has
    left it, and the sentence said a few seconds before the moment on screen is there."""
    page.wait_for_function(
        """(said) => {
          const overlay = document.querySelector('ma-player canvas').dataset.overlay;
          const t = JSON.parse(overlay).mediaTime;
          const words = document.querySelector('[data-testid=transcript-words]').textContent
            .replace(/\\s+/g, ' ');
          const recent = said[Math.floor((t - 4) / 2)];
          return t > 28 && !words.includes('evening') && !!recent && words.includes(recent);
        }""",
        arg=SAID,
        timeout=(SECONDS + 30) * 1000,
    )
    page.locator("ma-transcript-strip").screenshot(path=str(ARTIFACTS / "63-transcript-later.png"))


def switch(page, kind: str):
    return page.locator(f'[data-testid="signal-{kind}"] button[role="switch"]')


def switches(page, db, stream_id: str, api: str, auth: dict) -> None:
    stream = db.collection("streams").document(stream_id)
    page.get_by_test_id("stream-settings").locator("summary").click()
    page.get_by_test_id("signals-control").scroll_into_view_if_needed()
    # A stream that never set them follows the deployment's defaults (the API resolves them;
    # the test stack keeps text and speech off by default).
    answer = requests.get(f"{api}/v1/streams/{stream_id}", headers=auth, timeout=30)
    answer.raise_for_status()
    initial = answer.json()["signals"]
    for kind in ("speech", "text"):
        wanted = "true" if initial[kind] else "false"
        page.wait_for_function(
            """([kind, wanted]) => document
                 .querySelector(`[data-testid=signal-${kind}] button[role=switch]`)
                 ?.getAttribute('aria-checked') === wanted""",
            arg=[kind, wanted],
        )
    if not initial["speech"]:
        page.get_by_test_id("transcript").filter(
            has_text="Speech is off for this stream"
        ).wait_for()
    for kind in ("speech", "text"):
        if initial[kind]:
            continue
        with page.expect_request(
            lambda r: r.method == "PATCH" and r.url.endswith(f"/v1/streams/{stream_id}")
        ) as request:
            switch(page, kind).click()
        assert json.loads(request.value.post_data) == {"signals": {kind: True}}
        wait_until(
            lambda k=kind: (stream.get().to_dict().get("signals") or {}).get(k) is True,
            f"{kind} to be switched on",
        )
    page.reload()
    page.get_by_test_id("stream-settings").locator("summary").click()
    for kind in ("speech", "text"):
        page.wait_for_function(
            """(kind) => document.querySelector(`[data-testid=signal-${kind}] button[role=switch]`)
                 ?.getAttribute('aria-checked') === 'true'""",
            arg=kind,
        )
    # Speech on: the newest segment's state is news (shed, with the pipeline's words).
    warning = page.locator('[data-testid="warnings-transcript"] [data-warning="speech-shed"]')
    warning.wait_for()
    assert "14 s behind live" in warning.inner_text()
    page.get_by_test_id("transcript").scroll_into_view_if_needed()
    shot(page, "66-switches-on.png")

    # Off again: the strip says so, with the way to turn it back on.
    with page.expect_request(
        lambda r: r.method == "PATCH" and r.url.endswith(f"/v1/streams/{stream_id}")
    ) as request:
        switch(page, "speech").click()
    assert json.loads(request.value.post_data) == {"signals": {"speech": False}}
    page.get_by_test_id("transcript").filter(has_text="Speech is off for this stream").wait_for()
    wait_until(
        lambda: (stream.get().to_dict().get("signals") or {}).get("speech") is False,
        "speech to be switched off",
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_test_id("transcript-settings").click()  # unfolds the settings, scrolls to them
    page.wait_for_function(
        """() => {
          const box = document.getElementById('stream-signals')?.getBoundingClientRect();
          return box && box.top >= 0 && box.bottom <= innerHeight;
        }"""
    )
    page.wait_for_timeout(500)  # the smooth scroll's last frames
    shot(page, "67-speech-off.png", full_page=False)
    switch(page, "speech").click()
    wait_until(
        lambda: (stream.get().to_dict().get("signals") or {}).get("speech") is True,
        "speech to be switched on again",
    )


def viewer_and_phone(browser, dashboard: str, stack_env, stream_id: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "viewer")
        page.goto(f"{dashboard}#/streams/{stream_id}")
        page.get_by_test_id("transcript-mention").first.wait_for()
        page.wait_for_timeout(500)
        layout = page.evaluate(
            """() => ({
              scroll: document.scrollingElement.scrollWidth,
              strip: document.querySelector('[data-testid=transcript]').offsetWidth,
            })"""
        )
        assert layout["scroll"] <= 390, layout
        assert 300 <= layout["strip"] <= 390, layout
        shot(page, "68-signals-390.png", full_page=False)
        page.get_by_test_id("stream-settings").locator("summary").click()
        state = page.get_by_test_id("signal-speech-state")
        state.wait_for()
        assert state.inner_text() == "On"
        assert page.get_by_test_id("signal-speech").count() == 0
        assert page.get_by_test_id("signal-text").count() == 0
        page.get_by_test_id("signals-control").scroll_into_view_if_needed()
        shot(page, "69-viewer-switches-390.png", full_page=False)
    finally:
        page.close()


def test_brand_aliases_on_the_brands_page(stack_env, browser, dashboard):
    api = stack_env.info["api"]
    auth = {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}
    brand = "e2e-alias-cola"
    requests.put(f"{api}/v1/brands/{brand}", json={"name": "Alias Cola"}, headers=auth, timeout=30)
    requests.patch(
        f"{api}/v1/brands/{brand}", json={"aliases": []}, headers=auth, timeout=30
    ).raise_for_status()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "admin")
        page.goto(f"{dashboard}#/brands")
        card = page.locator(f'ma-brand-card[data-brand="{brand}"]')
        box = card.get_by_test_id("alias-input")
        box.wait_for()
        for alias in ("AC", "Alias Cola Zero"):
            with page.expect_request(
                lambda r: r.method == "PATCH" and r.url.endswith(f"/v1/brands/{brand}")
            ) as request:
                box.fill(alias)
                box.press("Enter")
            assert alias in json.loads(request.value.post_data)["aliases"]
            card.locator(f'[data-testid="alias"][data-alias="{alias}"]').wait_for()
        # The brand's own name is refused, with the reason.
        box.fill("ALIAS-COLA")
        box.press("Enter")
        card.get_by_role("alert").filter(has_text="brand's name").wait_for()
        stored = requests.get(f"{api}/v1/brands", headers=auth, timeout=30).json()["brands"]
        assert next(b for b in stored if b["brand_id"] == brand)["aliases"] == [
            "AC",
            "Alias Cola Zero",
        ]
        page.reload()
        card.locator('[data-testid="alias"][data-alias="AC"]').wait_for()
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(ARTIFACTS / "6a-aliases.png"))
        # Removing one saves at once.
        card.locator('[data-testid="alias"][data-alias="AC"] [data-testid="alias-remove"]').click()
        wait_until(
            lambda: (
                next(
                    b
                    for b in requests.get(f"{api}/v1/brands", headers=auth, timeout=30).json()[
                        "brands"
                    ]
                    if b["brand_id"] == brand
                )["aliases"]
                == ["Alias Cola Zero"]
            ),
            "the alias to be removed",
        )
    finally:
        page.close()

    viewer = browser.new_page(viewport={"width": 1280, "height": 900})
    viewer.set_default_timeout(WAIT_MS)
    try:
        sign_in(viewer, dashboard, stack_env.info["accounts"], "viewer")
        viewer.goto(f"{dashboard}#/brands")
        card = viewer.locator(f'ma-brand-card[data-brand="{brand}"]')
        card.locator('[data-testid="alias"][data-alias="Alias Cola Zero"]').wait_for()
        assert card.get_by_test_id("alias-input").count() == 0
        assert card.get_by_test_id("alias-remove").count() == 0
    finally:
        viewer.close()
        requests.delete(f"{api}/v1/brands/{brand}", headers=auth, timeout=30)
