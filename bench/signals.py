"""Brands in on-screen text and in speech, against the truth of offline clips.

    python -m bench.signals                 # 10 clips x 30 s, then the stack end to end
    python -m bench.signals --clips 2 --seconds 12 --no-e2e   # the short version

Clips come from :mod:`tests.signal_clips` (1080p30, 2 s keyframes, AAC; brands drawn
by seed from all of simple-icons; voices, fonts, photos, noise drawn from the seed);
the seeds are in the report. Noise cycles music 20 dB, crowd 20 dB, music 10 dB, crowd
10 dB SNR; one more clip has a silent audio track (its text is scored, its speech
cost is the silence path's).

Offline part: each clip is cut into 2 s HLS segments as the ingest cuts them, and every
segment goes through the analyze function's own steps in this process with the
realtime settings: keyframes (``functions.decode.sample_frames``), the OCR frames
(``functions.onscreen_text.pick_frames``, one per ``text_interval_s``), rapidocr
(``gpu_service.ocr.TextReader``) and ``brand_detections``; the segment's audio
(``functions.audio.decode_audio``) in the overlapping window of
``functions.speech.SpeechWindows``, Whisper (``gpu_service.speech.Transcriber``, the
library's terms as hotwords) and the mentions the segment keeps. CPU is
``time.process_time`` (every thread of this process) around each step.

Scoring: a text hit is right when it names a brand shown in that frame and its box's
centre lies in that text's box (2 % margin); anything else is a false hit. A spoken
mention is right when it names a brand said within 1.5 s of its start; each truth is
matched once; the rest are false mentions, counted per 10 minutes of voiced speech.
Transcripts are kept, so the words' probability threshold (``speech_min_probability``)
is swept without transcribing again.

End to end: a fresh local stack (``local.runner.Stack``), the clip's library as managed
brands, the clip published over RTMP as OBS would; each mention's wall time in a
Firestore listener minus the wall time its brand name finished being said (the first
segment's PROGRAM-DATE-TIME + its media time).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TARGETS = {
    "speech_recall": 0.85,
    "speech_false_per_10min": 1.0,
    "text_recall": 0.90,
    "text_precision": 0.95,
    "mention_to_firestore_s": 4.0,
}
THRESHOLDS = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
CONDITIONS = (("music", 20.0), ("crowd", 20.0), ("music", 10.0), ("crowd", 10.0))
SAME_MENTION_S = 1.5
SIZE_BUCKETS = ((24, 40), (40, 70), (70, 121))


# ------------------------------------------------------------------------------ clips


def make_clips(work: Path, seed: int, count: int, seconds: float, size) -> list:
    """``count`` speech + text clips (noise conditions cycling) and one with silence."""
    from tests.signal_clips import make_clip

    clips = []
    for index in range(count):
        noise, snr = CONDITIONS[index % len(CONDITIONS)]
        clips.append(
            make_clip(
                work / f"clip-{seed + index}", seed + index, seconds, size, noise=noise, snr_db=snr
            )  # fmt: skip
        )
    clips.append(make_clip(work / "silence", seed + count, seconds, size, audio="silence"))
    return clips


def hls_segments(clip, folder: Path) -> list[Path]:
    """The clip cut into 2 s MPEG-TS segments at its keyframes, as nginx-rtmp cuts them."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(clip.video), "-c", "copy", "-f", "hls",
         "-hls_time", "2", "-hls_list_size", "0", "-hls_segment_filename",
         str(folder / "%08d.ts"), str(folder / "index.m3u8")],
        check=True,
    )  # fmt: skip
    return sorted(folder.glob("*.ts"))


def library_terms(truth: dict) -> dict[str, list[str]]:
    """brand id -> terms as the analyze function reads them from managed brands
    (``BrandNames.terms``: display name, the id read as words)."""
    return {
        b["brand"]: list(dict.fromkeys([*b["names"], b["brand"].replace("-", " ")]))
        for b in truth["library"]
    }


# ---------------------------------------------------------------------------- offline


class Models:
    """rapidocr and Whisper as gpu_service loads them (CPU here)."""

    def __init__(self):
        from gpu_service.config import OcrConfig, SpeechConfig
        from gpu_service.ocr import TextReader
        from gpu_service.speech import Transcriber

        self.reader = TextReader(OcrConfig())
        self.transcriber = Transcriber(SpeechConfig())
        started = time.monotonic()
        self.reader.load()
        self.transcriber.load()
        if not (self.reader.available and self.transcriber.available):
            raise RuntimeError(f"models: ocr {self.reader.error}; speech {self.transcriber.error}")
        self.load_s = round(time.monotonic() - started, 1)
        self.names = {"ocr": self.reader.model, "speech": "whisper-base"}
        self.device = self.transcriber.device


def cpu_of(fn):
    started = time.process_time()
    result = fn()
    return result, time.process_time() - started


def analyse_clip(clip, models: Models, work: Path) -> dict:
    """Every segment of ``clip`` through the analyze function's steps: OCR frames with
    their lines and brand detections; speech windows with Whisper's words; CPU spent."""
    import cv2

    from functions.audio import decode_audio
    from functions.backends.base import to_jpeg
    from functions.brand_text import BrandMatcher
    from functions.decode import sample_frames
    from functions.onscreen_text import brand_detections, pick_frames
    from functions.speech import SpeechWindows
    from mediacore.settings import Settings

    analysis = Settings().analysis
    matcher = BrandMatcher(library_terms(clip.truth))
    windows = SpeechWindows(store=None, context_s=analysis.speech_context_s,
                            hold_s=analysis.speech_hold_s)  # fmt: skip
    out = {"seed": clip.truth["seed"], "frames": [], "windows": [], "segments": 0,
           "cpu": defaultdict(float), "ocr_frames": 0, "speech_calls": 0}  # fmt: skip
    base = None
    for seq, path in enumerate(hls_segments(clip, work / f"segments-{clip.truth['seed']}")):
        data = path.read_bytes()
        decoded = sample_frames(
            data,
            fps=analysis.sample_fps,
            thumb_width=analysis.thumb_width,
            infer_side=analysis.inference_side,
            keyframe_spacing_s=analysis.keyframe_spacing_s,
            max_frames=analysis.max_frames_per_segment,
        )
        base = decoded.first_pts if base is None else base
        media_start = decoded.first_pts - base
        out["segments"] += 1
        for index in pick_frames([f.pts for f in decoded.frames], analysis.text_interval_s):
            frame = decoded.frames[index]
            image = frame.image if frame.image is not None else frame.rgb
            # What crosses the wire: the analyze function's JPEG, decoded by gpu_service.
            jpeg, spent = cpu_of(lambda i=image: to_jpeg(i))
            sent, spent2 = cpu_of(
                lambda j=jpeg: cv2.cvtColor(
                    cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
                )
            )
            lines, spent3 = cpu_of(
                lambda s=sent: models.reader.read([s], analysis.text_min_score)[0]
            )
            found, spent4 = cpu_of(lambda li=lines: brand_detections(li, matcher, []))
            out["cpu"]["ocr"] += spent + spent2 + spent3 + spent4
            out["ocr_frames"] += 1
            out["frames"].append({
                "t": round(media_start + frame.pts - decoded.first_pts, 3),
                "lines": [line.model_dump() for line in lines],
                "found": [d.model_dump() for d in found],
            })  # fmt: skip
        audio, spent = cpu_of(
            lambda d=data, s=media_start, f=decoded.first_pts: decode_audio(d, s, f)
        )
        out["cpu"]["speech"] += spent
        if audio is None:
            continue
        window, spent = cpu_of(lambda a=audio, q=seq: windows.window("bench", q, "ts", a))
        out["cpu"]["speech"] += spent
        record = {"seq": seq, "start": window.audio.start, "own_from": window.own_from,
                  "own_to": window.own_to, "with_context": window.with_context,
                  "mentions_from": window.mentions_from, "mentions_to": window.mentions_to,
                  "samples": len(window.audio.samples), "words": None}  # fmt: skip
        if not window.silent():
            answer, spent = cpu_of(
                lambda w=window: models.transcriber.transcribe(
                    w.audio.samples, matcher.hotwords(), analysis.transcript_language
                )
            )
            out["cpu"]["speech"] += spent
            out["speech_calls"] += 1
            record["words"] = [w.model_dump() for w in answer.words]
            record["speech_s"] = answer.speech_s
        out["windows"].append(record)
    out["cpu"] = dict(out["cpu"])
    return out


def mentions_at(clip, analysed: dict, threshold: float) -> list:
    """The mentions the analyze function would keep at ``threshold``, segment by segment."""
    from functions.audio import SegmentAudio
    from functions.brand_text import BrandMatcher
    from functions.speech import SpeechWindows, Window
    from mediacore.schema import TranscribeResponse, Word

    matcher = BrandMatcher(library_terms(clip.truth))
    windows = SpeechWindows(store=None)
    kept = []
    for record in analysed["windows"]:
        if record["words"] is None:
            continue
        window = Window(
            SegmentAudio(np.zeros(record["samples"], np.float32), record["start"]),
            record["own_from"], record["own_to"], record["with_context"],
            record["mentions_from"], record["mentions_to"],
        )  # fmt: skip
        answer = TranscribeResponse(
            words=[Word(**w) for w in record["words"]], duration=record["samples"] / 16000,
            speech_s=record.get("speech_s", 0.0), model="whisper-base", device="cpu",
        )  # fmt: skip
        heard = windows.heard(window, answer, matcher, threshold, ("bench", record["seq"]))
        kept += heard.mentions
    return kept


def words_near(analysed: dict, start: float, end: float) -> str:
    """What Whisper heard around [start, end] (from the window that owns that time)."""
    for record in analysed["windows"]:
        if record["words"] and record["own_from"] <= start < record["own_to"] + 1.0:
            near = [w for w in record["words"]
                    if record["start"] + w["start"] < end + 0.6
                    and record["start"] + w["end"] > start - 0.6]  # fmt: skip
            return " ".join(f"{w['word']}({w['probability']:.2f})" for w in near)
    return ""


def heard_in_windows(clip, analysed: dict, said: dict, threshold: float) -> list[str]:
    """Windows whose words name ``said``'s brand near its time, kept or not: a mention a
    window heard but no segment kept was lost at a boundary, not by the model."""
    from functions.brand_text import BrandMatcher
    from mediacore.schema import Word

    matcher = BrandMatcher({said["brand"]: library_terms(clip.truth)[said["brand"]]})
    found = []
    for record in analysed["windows"]:
        words = [
            Word(**(w | {"start": record["start"] + w["start"], "end": record["start"] + w["end"]}))
            for w in record["words"] or []
        ]
        for m in matcher.in_words(words, threshold):
            if abs(m.start - said["start"]) <= SAME_MENTION_S:
                low, high = record["mentions_from"], record["mentions_to"]
                owned = low <= m.end < high
                found.append(f"window {record['seq']} heard it ending {m.end:.2f}s "
                             f"({'its own' if owned else 'not its own'} "
                             f"{low:.2f}-{high:.2f}s)")  # fmt: skip
    return found


def score_speech(clips, analysed: dict, threshold: float, detail: bool = False) -> dict:
    hits = misses = false = false_at_end = 0
    voiced = 0.0
    errors, by = [], defaultdict(lambda: [0, 0])
    missed, false_list = [], []
    for clip in clips:
        truth = clip.truth
        if truth["audio"] != "speech":
            continue
        voiced += truth["speech_s"]
        reported = mentions_at(clip, analysed[truth["seed"]], threshold)
        heard = [w for w in analysed[truth["seed"]]["windows"] if w["words"] is not None]
        last_from = heard[-1]["own_from"] if heard else truth["duration"]
        used = set()
        for said in truth["spoken"]:
            match = next(
                (i for i, m in enumerate(reported)
                 if i not in used and m.brand == said["brand"]
                 and abs(m.start - said["start"]) <= SAME_MENTION_S),
                None,
            )  # fmt: skip
            engine = said["voice"].split(":")[0]
            voice = said["voice"].rsplit("@", 1)[0]
            for key in (engine, voice, f"{said['noise']} {said['snr_db']:g} dB"):
                by[key][1] += 1
                by[key][0] += match is not None
            if match is None:
                misses += 1
                if detail:
                    windows = heard_in_windows(clip, analysed[truth["seed"]], said, threshold)
                    lost = f" - matched, lost at a boundary: {'; '.join(windows)}" * bool(windows)
                    missed.append(
                        f"seed {truth['seed']} {said['start']:.1f}s {said['name']!r} "
                        f"({said['voice']}, {said['noise']} {said['snr_db']:g} dB): heard "
                        f'"{words_near(analysed[truth["seed"]], said["start"], said["end"])}"'
                        + lost
                    )
            else:
                used.add(match)
                hits += 1
                errors.append(abs(reported[match].start - said["start"]))
        for i, m in enumerate(reported):
            if i not in used:
                false += 1
                # The clip's last segment is a stream's end: no next window re-hears its
                # tail, where Whisper tends to invent hotwords in noise (counted apart).
                at_end = m.end >= last_from
                false_at_end += at_end
                if detail:
                    context = next(
                        (s["sentence"] for s in truth["spoken"] + truth["filler_speech"]
                         if s.get("sentence_start", s["start"]) - 0.5 <= m.start
                         <= s.get("sentence_end", s["end"]) + 0.5),
                        "(between sentences)",
                    )  # fmt: skip
                    false_list.append(
                        f'seed {truth["seed"]} {m.start:.1f}s {m.brand} from "{m.text}" '
                        f'(score {m.score}); said: "{context}"'
                        + (" [stream's last segment]" if at_end else "")
                    )
    total = hits + misses
    result = {
        "threshold": threshold,
        "said": total,
        "found": hits,
        "recall": round(hits / max(1, total), 3),
        "false": false,
        "voiced_min": round(voiced / 60, 2),
        "false_per_10min": round(10 * false / max(1e-9, voiced / 60), 2),
        "false_in_last_segment": false_at_end,
        "false_per_10min_before_last_segment": round(
            10 * (false - false_at_end) / max(1e-9, voiced / 60), 2
        ),
        "time_error_s": _quantiles(errors),
    }
    if detail:
        result["by"] = {
            k: {"recall": round(v[0] / v[1], 3), "n": v[1]} for k, v in sorted(by.items())
        }
        result["missed"] = missed
        result["false_mentions"] = false_list
    return result


def _quantiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50": None, "p95": None}
    return {
        "n": len(values),
        "p50": round(float(np.quantile(values, 0.5)), 3),
        "p95": round(float(np.quantile(values, 0.95)), 3),
    }


def _size_bucket(px: int) -> str:
    return next(f"{lo}-{hi - 1}px" for lo, hi in SIZE_BUCKETS if px < hi)


def _inside(point, box, margin=0.02) -> bool:
    x, y, w, h = box
    return x - margin <= point[0] <= x + w + margin and y - margin <= point[1] <= y + h + margin


def _overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def score_text(clips, analysed: dict) -> dict:
    tp = fp = truths = 0
    by = defaultdict(lambda: [0, 0])
    missed, false_hits = [], []
    appearances = defaultdict(lambda: [False, None])  # (seed, index) -> [found once, item]
    distractor_hits = 0
    frames = 0
    for clip in clips:
        truth = clip.truth
        for frame in analysed[truth["seed"]]["frames"]:
            frames += 1
            t = frame["t"]
            visible = [(i, s) for i, s in enumerate(truth["shown"]) if s["start"] <= t < s["end"]]
            others = [d for d in truth["distractor_text"] if d["start"] <= t < d["end"]]
            used = set()
            for index, item in visible:
                truths += 1
                centre_hit = next(
                    (j for j, d in enumerate(frame["found"])
                     if j not in used and d["label"] == item["brand"]
                     and _inside((d["box"][0] + d["box"][2] / 2, d["box"][1] + d["box"][3] / 2),
                                 item["box"])),
                    None,
                )  # fmt: skip
                keys = (
                    item["font"], _size_bucket(item["size_px"]),
                    f"angle {5 * int(abs(item['angle']) // 5)}-{5 * int(abs(item['angle']) // 5) + 5}",  # noqa: E501
                    "banner" if item["background"] != "photo" else "on the photo",
                    "upper case" if item["text"].isupper() else "as written",
                )  # fmt: skip
                for key in keys:
                    by[key][1] += 1
                    by[key][0] += centre_hit is not None
                appearances[(truth["seed"], index)][1] = item
                if centre_hit is None:
                    read = [
                        line["text"]
                        for line in frame["lines"]
                        if _overlaps(line["box"], item["box"])
                    ]
                    why = f"read as {read}" if read else "no text read there"
                    missed.append(
                        f"seed {truth['seed']} t={t:.0f}s {item['text']!r} ({item['font']}, "
                        f"{item['size_px']} px, {item['angle']:+.0f} deg, {item['colour']} on "
                        f"{item['background']}, {item['photo']}): {why}"
                    )
                else:
                    used.add(centre_hit)
                    tp += 1
                    appearances[(truth["seed"], index)][0] = True
            for j, d in enumerate(frame["found"]):
                if j in used:
                    continue
                fp += 1
                centre = (d["box"][0] + d["box"][2] / 2, d["box"][1] + d["box"][3] / 2)
                on = next((o for o in others if _inside(centre, o["box"])), None)
                distractor_hits += on is not None
                where = f"on distractor {on['text']!r} ({on['kind']})" if on else "elsewhere"
                false_hits.append(
                    f"seed {truth['seed']} t={t:.0f}s {d['label']} from {d['text']!r} "
                    f"(score {d['score']}), {where}"
                )
    seen_once = [found for found, _ in appearances.values()]
    return {
        "frames": frames,
        "truths": truths,
        "found": tp,
        "recall": round(tp / max(1, truths), 3),
        "precision": round(tp / max(1, tp + fp), 3),
        "false_hits": fp,
        "false_hits_per_frame": round(fp / max(1, frames), 3),
        "false_hits_on_distractors": distractor_hits,
        "distractors_shown": sum(len(c.truth["distractor_text"]) for c in clips),
        "appearance_recall": round(sum(seen_once) / max(1, len(seen_once)), 3),
        "appearances": len(seen_once),
        "by": {k: {"recall": round(v[0] / v[1], 3), "n": v[1]} for k, v in sorted(by.items())},
        "missed": missed,
        "false": false_hits,
    }


def choose_threshold(sweep: list[dict], measure: str = "false_per_10min") -> dict:
    """The threshold with the best recall among those within the false-mention target
    (ties: the middle of them, away from both edges)."""
    within = [s for s in sweep if s[measure] <= TARGETS["speech_false_per_10min"]]
    if not within:
        return {"threshold": None, "why": "no threshold keeps false mentions within target"}
    best = max(s["recall"] for s in within)
    tied = [s for s in within if s["recall"] == best]
    chosen = tied[len(tied) // 2]
    return {"threshold": chosen["threshold"], "recall": best,
            "false_per_10min": chosen["false_per_10min"],
            "range": [tied[0]["threshold"], tied[-1]["threshold"]]}  # fmt: skip


def offline(work: Path, seed: int, count: int, seconds: float, size, keep: Path | None = None):
    from mediacore.settings import Settings
    from tests.signal_clips import brand_pool, excluded_brands

    analysis = Settings().analysis
    started = time.monotonic()
    clips = make_clips(work, seed, count, seconds, size)
    generation = round(time.monotonic() - started, 1)
    models = Models()
    analysed = {}
    for clip in clips:
        analysed[clip.truth["seed"]] = analyse_clip(clip, models, work)
    if keep is not None:  # what the models heard and read: rescored without them (--rescore)
        keep.write_text(json.dumps(
            {"truths": [c.truth for c in clips], "analysed": analysed}, default=str
        ))  # fmt: skip
    sweep = [score_speech(clips, analysed, t) for t in THRESHOLDS]
    current = analysis.speech_min_probability
    speech = score_speech(clips, analysed, current, detail=True)
    text = score_text(clips, analysed)
    stream_s = {"speech": sum(c.truth["duration"] for c in clips if c.truth["audio"] == "speech"),
                "silence": sum(c.truth["duration"] for c in clips if c.truth["audio"] == "silence"),
                "all": sum(c.truth["duration"] for c in clips)}  # fmt: skip
    cpu_ocr = sum(a["cpu"].get("ocr", 0.0) for a in analysed.values())
    ocr_frames = sum(a["ocr_frames"] for a in analysed.values())
    speech_seeds = {c.truth["seed"] for c in clips if c.truth["audio"] == "speech"}
    silence_seeds = {c.truth["seed"] for c in clips if c.truth["audio"] == "silence"}
    cpu_speech = sum(analysed[s]["cpu"].get("speech", 0.0) for s in speech_seeds)
    cpu_silence = sum(analysed[s]["cpu"].get("speech", 0.0) for s in silence_seeds)
    calls = sum(analysed[s]["speech_calls"] for s in speech_seeds)
    return {
        "seeds": [c.truth["seed"] for c in clips],
        "clip_seconds": seconds,
        "size": f"{size[0]}x{size[1]}",
        "conditions": [
            f"{c.truth['noise']} {c.truth['snr_db']:g} dB" if c.truth["noise"] else c.truth["audio"]
            for c in clips
        ],  # fmt: skip
        "generation_s": generation,
        "brand_pool": len(brand_pool()),
        "brands_excluded": {why: len(titles) for why, titles in excluded_brands().items()},
        "models": models.names | {"load_s": models.load_s, "speech_device": models.device},
        "settings": {
            "text_interval_s": analysis.text_interval_s,
            "text_min_score": analysis.text_min_score,
            "speech_context_s": analysis.speech_context_s,
            "speech_hold_s": analysis.speech_hold_s,
            "speech_min_probability": current,
            "inference_side": analysis.inference_side,
        },  # fmt: skip
        "text": text,
        "speech": speech,
        "sweep": sweep,
        "chosen_threshold": choose_threshold(sweep),
        "chosen_threshold_before_last_segment": choose_threshold(
            sweep, "false_per_10min_before_last_segment"
        ),
        "cost": {
            "ocr_cpu_s_per_frame": round(cpu_ocr / max(1, ocr_frames), 3),
            "ocr_frames_per_stream_s": round(ocr_frames / stream_s["all"], 3),
            "text_cpu_s_per_stream_s": round(cpu_ocr / stream_s["all"], 4),
            "speech_cpu_s_per_call": round(cpu_speech / max(1, calls), 3),
            "speech_calls_per_stream_s": round(calls / max(1e-9, stream_s["speech"]), 3),
            "speech_cpu_s_per_stream_s": round(cpu_speech / max(1e-9, stream_s["speech"]), 4),
            "silence_cpu_s_per_stream_s": round(cpu_silence / max(1e-9, stream_s["silence"]), 5)
            if silence_seeds
            else None,
        },
        "wall_s": round(time.monotonic() - started, 1),
    }


def streams_per_core(cost: dict, logo_cpu_s_per_segment: float | None, segment_s: float = 2.0):
    """Realtime streams one core keeps up with: the logo path's CPU per segment (the
    pipeline bench) plus each signal's CPU per segment (here)."""
    if logo_cpu_s_per_segment is None:
        return None
    text = cost["text_cpu_s_per_stream_s"] * segment_s
    speech = cost["speech_cpu_s_per_stream_s"] * segment_s
    rows = {"logos only": logo_cpu_s_per_segment, "logos + text": logo_cpu_s_per_segment + text,
            "logos + speech": logo_cpu_s_per_segment + speech,
            "logos + text + speech": logo_cpu_s_per_segment + text + speech}  # fmt: skip
    return {
        name: {"cpu_s_per_segment": round(v, 3), "streams_per_core": round(segment_s / v, 2)}
        for name, v in rows.items()
    }


# ------------------------------------------------------------------------ end to end


class MentionTimes:
    """Listens to one stream's segments; the wall time each mention and each text
    detection (brand, rounded media time) first reached the listener."""

    def __init__(self, db, stream_id: str):
        from mediacore.streams import StreamRegistry

        self.mentions: dict[tuple[str, float], float] = {}
        self.texts: dict[tuple[str, float], float] = {}
        self.segments: dict[int, dict] = {}
        self._lock = threading.Lock()
        ref = StreamRegistry(db).ref(stream_id).collection("segments")
        self._watch = ref.on_snapshot(self._on_snapshot)

    def _on_snapshot(self, _docs, changes, _read_time) -> None:
        now = time.time()
        with self._lock:
            for change in changes:
                doc = change.document.to_dict() or {}
                if not doc.get("status"):
                    continue
                self.segments.setdefault(doc["seq"], {
                    "seen": now, "signals": doc.get("signals"), "status": doc["status"],
                    "warnings": doc.get("warnings"), "timings": doc.get("timings") or {},
                    "program_date_time": doc.get("program_date_time"),
                    "duration": doc.get("duration")})  # fmt: skip
                for m in doc.get("mentions") or []:
                    self.mentions.setdefault((m["brand"], round(m["start"], 2)), now)
                for frame in doc.get("frames") or []:
                    for d in frame.get("detections") or []:
                        if d.get("kind") == "text":
                            self.texts.setdefault((d["label"], frame["t"]), now)

    def stop(self) -> None:
        self._watch.unsubscribe()


def end_to_end(work: Path, seed: int, seconds: float, size) -> dict:
    """Mention said -> in a Firestore listener, through the real stack and RTMP."""
    from google.cloud import firestore

    from local.runner import Stack
    from mediacore.brands import BrandLibrary
    from mediacore.names import segment_object
    from mediacore.storage import open_store
    from mediacore.streams import StreamRegistry
    from tests.signal_clips import make_clip, publish

    clip = make_clip(work / "e2e-clip", seed, seconds, size, noise="music", snr_db=20.0)
    stack = Stack(work / "e2e-stack")
    stack.start()
    try:
        stack.export()
        db, store = firestore.Client(), open_store()
        library = BrandLibrary(db, store)
        for brand in clip.truth["library"]:
            library.put(brand["brand"], brand["names"][0])
        stream = StreamRegistry(db).create("bench signals", signals={"text": True, "speech": True})
        watch = MentionTimes(db, stream.stream_id)
        published = publish(stack, clip, stream.stream_key)
        published.process.wait()
        expected = int(seconds // 2)
        deadline = time.monotonic() + 90
        while len(watch.segments) < expected and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(3)  # late mentions of the last segments
        watch.stop()
        first = store.stat(segment_object(stream.stream_id, 0))
        pdt0 = datetime.fromisoformat(first.metadata["program_date_time"]).timestamp()
        media0 = float(first.metadata.get("media_start") or 0.0)
    finally:
        stack.stop()
    rows, late = [], []
    for said in clip.truth["spoken"]:
        seen = [
            (when, start) for (brand, start), when in watch.mentions.items()
            if brand == said["brand"] and abs(start - (said["start"] + media0)) <= SAME_MENTION_S
        ]  # fmt: skip
        if not seen:
            late.append(
                f"{said['name']!r} at {said['start']:.1f}s ({said['voice']}) not in Firestore"
            )
            continue
        when = min(w for w, _ in seen)
        rows.append({
            "brand": said["brand"], "said_end": said["end"],
            "delay_s": round(when - (pdt0 + said["end"] - media0), 2),
        })  # fmt: skip
    delays = [r["delay_s"] for r in rows]
    text_delays = []
    for item in clip.truth["shown"]:
        seen = [w for (b, t), w in watch.texts.items()
                if b == item["brand"] and item["start"] <= t - media0 < item["end"]]  # fmt: skip
        if seen:
            text_delays.append(round(min(seen) - (pdt0 + item["start"] - media0), 2))
    signals = defaultdict(int)
    stages = segment_stages(watch.segments.values())
    for doc in watch.segments.values():
        for name, state in (doc.get("signals") or {}).items():
            signals[f"{name}:{state}"] += 1
    return {
        "seed": seed,
        "clip_seconds": seconds,
        "segments_seen": len(watch.segments),
        "said": len(clip.truth["spoken"]),
        "in_firestore": len(rows),
        "mention_delay_s": {
            **_quantiles(delays),
            "max": max(delays) if delays else None,
        },
        "rows": rows,
        "not_found": late,
        "text_shown_to_firestore_s": _quantiles(text_delays),
        "signal_states": dict(signals),
        "segment_stages_s": stages,
        "stack_startup_s": round(stack.startup_seconds or 0, 1),
    }


def segment_stages(docs) -> dict:
    """Where a segment's time goes, p50 in seconds: closed (its last frame's wall time) ->
    in the bucket -> analysis started -> written -> seen by the listener; and the text,
    speech and logo calls (run side by side)."""

    def at(value):
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).timestamp()
        return value.timestamp()

    spans = defaultdict(list)
    for doc in docs:
        t, pdt = doc["timings"], at(doc.get("program_date_time"))
        closed = pdt + (doc.get("duration") or 0.0) if pdt is not None else None
        marks = [("closed", closed), ("uploaded", at(t.get("uploaded_at"))),
                 ("started", at(t.get("started_at"))), ("written", at(t.get("finished_at"))),
                 ("seen", doc["seen"])]  # fmt: skip
        for (a, x), (b, y) in zip(marks, marks[1:], strict=False):
            if x is not None and y is not None:
                spans[f"{a}->{b}"].append(y - x)
        for key in ("decode_ms", "inference_ms", "text_ms", "speech_ms"):
            if t.get(key) is not None:
                spans[key.replace("_ms", "")].append(t[key] / 1000)
    return {k: round(sorted(v)[len(v) // 2], 3) for k, v in spans.items()}


# --------------------------------------------------------------------------- report


def target_rows(result: dict) -> list[dict]:
    """Rows for the report's targets table (bench/targets.py's shape)."""
    off, e2e = result.get("offline") or {}, result.get("e2e") or {}
    speech, text = off.get("speech", {}), off.get("text", {})
    delay = (e2e.get("mention_delay_s") or {}).get("p95")
    rows = [
        ("#18", "spoken brand recall", ">= 0.85", speech.get("recall"),
         lambda v: v >= TARGETS["speech_recall"], ""),
        ("#18", "false spoken mentions per 10 min of speech", "<= 1",
         speech.get("false_per_10min"), lambda v: v <= TARGETS["speech_false_per_10min"], ""),
        ("#18", "on-screen brand text recall", ">= 0.9", text.get("recall"),
         lambda v: v >= TARGETS["text_recall"], ""),
        ("#18", "on-screen brand text precision", ">= 0.95", text.get("precision"),
         lambda v: v >= TARGETS["text_precision"], ""),
        ("#18", "mention said -> in Firestore, p95", "<= 4 s", delay,
         lambda v: v <= TARGETS["mention_to_firestore_s"], "s"),
    ]  # fmt: skip
    return [
        {"issue": i, "measure": m, "target": t, "value": v, "unit": u,
         "met": None if v is None else bool(check(v))}
        for i, m, t, v, check, u in rows
    ]  # fmt: skip


def _by_line(by: dict) -> str:
    return ", ".join(f"{k} {v['recall']} (n={v['n']})" for k, v in by.items())


def markdown(result: dict) -> str:
    off, e2e, scale = result.get("offline"), result.get("e2e"), result.get("streams_per_core")
    lines = ["## Brands in on-screen text and speech", ""]
    if off:
        text, speech, cost = off["text"], off["speech"], off["cost"]
        chosen = off["chosen_threshold"]
        lines += [
            f"{len(off['seeds'])} clips of {off['clip_seconds']:g} s at {off['size']} "
            f"(tests/signal_clips.py), seeds {off['seeds'][0]}-{off['seeds'][-1]}: "
            f"{', '.join(off['conditions'])}. Brands drawn from the {off.get('brand_pool')} "
            "simple-icons titles a voice can say as written (left out: "
            + ", ".join(f"{n} {why}" for why, n in (off.get("brands_excluded") or {}).items())
            + "). Each cut into 2 s HLS segments and run through "
            "the analyze function's steps in-process with the realtime settings "
            f"({json.dumps(off['settings'])}); OCR {off['models']['ocr']}, speech "
            f"{off['models']['speech']} on {off['models']['speech_device']}.",
            "",
            "| measure | measured | target |",
            "|---|---|---|",
            f"| spoken brand recall (threshold {off['settings']['speech_min_probability']}) "
            f"| {speech['recall']} ({speech['found']}/{speech['said']}) | >= 0.85 |",
            f"| false spoken mentions per 10 min of speech | {speech['false_per_10min']} "
            f"({speech['false']} in {speech['voiced_min']} min voiced) | <= 1 |",
            f"| mention time error, \\|said - reported start\\| p50 / p95 "
            f"| {speech['time_error_s']['p50']} / {speech['time_error_s']['p95']} s | - |",
            f"| on-screen text recall, per OCR frame | {text['recall']} "
            f"({text['found']}/{text['truths']}) | >= 0.9 |",
            f"| on-screen text precision | {text['precision']} ({text['false_hits']} false) "
            "| >= 0.95 |",
            f"| text false hits per OCR frame | {text['false_hits_per_frame']} (on the "
            f"{text['distractors_shown']} distractor texts: {text['false_hits_on_distractors']}) "
            "| - |",
            f"| text appearances found in at least one frame | {text['appearance_recall']} "
            f"(of {text['appearances']}) | - |",
            f"| OCR CPU per frame (JPEG both ways, rapidocr, matching) "
            f"| {cost['ocr_cpu_s_per_frame']} s | - |",
            f"| text CPU per second of stream ({cost['ocr_frames_per_stream_s']} OCR frames/s) "
            f"| {cost['text_cpu_s_per_stream_s']} s | - |",
            f"| speech CPU per second of stream ({cost['speech_calls_per_stream_s']} Whisper "
            f"calls/s, {cost['speech_cpu_s_per_call']} s each) "
            f"| {cost['speech_cpu_s_per_stream_s']} s | - |",
            f"| speech CPU per second of a silent stream | {cost['silence_cpu_s_per_stream_s']} s "
            "| nearly nothing |",
            "",
            "Speech threshold sweep (words' mean probability, `MA_SPEECH_MIN_PROBABILITY`):",
            "",
            "| threshold | recall | false | false per 10 min | of which in a clip's last "
            "segment | false per 10 min without those |",
            "|---|---|---|---|---|---|",
            *[
                f"| {s['threshold']} | {s['recall']} | {s['false']} | {s['false_per_10min']} "
                f"| {s['false_in_last_segment']} | {s['false_per_10min_before_last_segment']} |"
                for s in off["sweep"]
            ],
            "",
            f"Best threshold for the target (<= 1 false per 10 min): {chosen}; not counting "
            "false mentions in a clip's last segment (a stream's end, where no next window "
            f"re-hears the tail): {off['chosen_threshold_before_last_segment']}.",
            "",
            f"Spoken recall by voice and noise: {_by_line(speech['by'])}",
            "",
            f"Text recall by font, size, angle, background and case: {_by_line(text['by'])}",
            "",
            "Missed spoken brands: " + ("; ".join(speech["missed"]) or "none"),
            "",
            "False spoken mentions: " + ("; ".join(speech["false_mentions"]) or "none"),
            "",
            "Missed on-screen text (first 25): " + ("; ".join(text["missed"][:25]) or "none"),
            "",
            "False text hits: " + ("; ".join(text["false"][:25]) or "none"),
            "",
        ]
    if scale:
        lines += [
            "Realtime streams per core, CPU only (the logo path's CPU per segment from the "
            "pipeline run: this report's, or bench/report.json's when run alone; plus each "
            "signal's CPU per 2 s segment measured here):",
            "",
            "| signals on | CPU s per 2 s segment | streams per core |",
            "|---|---|---|",
            *[
                f"| {k} | {v['cpu_s_per_segment']} | {v['streams_per_core']} |"
                for k, v in scale.items()
            ],  # fmt: skip
            "",
        ]
    if e2e:
        d = e2e["mention_delay_s"]
        from functions.speech import MENTION_HOLD_S as hold

        # A mention ending in a segment's last MENTION_HOLD_S is kept by the next segment.
        forwarded = [r for r in e2e["rows"] if r["said_end"] % 2.0 >= 2.0 - hold]
        lines += [
            f"End to end (stack + RTMP, seed {e2e['seed']}, {e2e['clip_seconds']:g} s clip, "
            f"music 20 dB): {e2e['in_firestore']} of {e2e['said']} mentions reached Firestore; "
            f"brand name said -> mention in a Firestore listener p50 {d['p50']} s, p95 "
            f"{d['p95']} s, max {d['max']} s (target <= 4 s). Text shown -> text detection in "
            f"the listener p50 {e2e['text_shown_to_firestore_s']['p50']} s. Mentions ending in "
            f"a segment's last {hold} s, kept by the next segment: {len(forwarded)} of "
            f"{len(e2e['rows'])} (delays {[r['delay_s'] for r in forwarded]} s). Segment signal "
            f"states: {e2e['signal_states']}. Where a segment's time goes (p50 s): "
            f"{e2e.get('segment_stages_s')}."
            + (f" Not found: {'; '.join(e2e['not_found'])}." if e2e["not_found"] else ""),
            "",
        ]
    return "\n".join(lines)


def rescore(kept: list[Path]) -> dict:
    """The speech scores of kept analyses (``--keep``, several pooled) with today's
    matching and boundary rules: a change to them is measured in seconds, without the
    models."""
    from types import SimpleNamespace

    clips, analysed = [], {}
    for path in kept:
        saved = json.loads(path.read_text())
        clips += [SimpleNamespace(truth=t) for t in saved["truths"]]
        analysed |= {int(seed): a for seed, a in saved["analysed"].items()}
    sweep = [score_speech(clips, analysed, t) for t in THRESHOLDS]
    chosen = choose_threshold(sweep)["threshold"]
    return {
        "sweep": sweep,
        "chosen_threshold": choose_threshold(sweep),
        "speech": score_speech(
            clips, analysed, chosen if chosen is not None else 0.15, detail=True
        ),  # fmt: skip
    }


def run(
    work: Path,
    seed: int,
    clips: int,
    seconds: float,
    size,
    e2e: bool,
    logo_cpu_s_per_segment: float | None = None,
    keep: Path | None = None,
) -> dict:
    result: dict = {"offline": offline(work, seed, clips, seconds, size, keep)}
    if logo_cpu_s_per_segment is None:
        report = HERE / "report.json"
        if report.exists():  # the last pipeline run's logo path
            logo_cpu_s_per_segment = json.loads(report.read_text())["costs"]["cpu_s_per_segment"]
    result["logo_cpu_s_per_segment"] = logo_cpu_s_per_segment
    result["streams_per_core"] = streams_per_core(result["offline"]["cost"], logo_cpu_s_per_segment)
    if e2e:
        result["e2e"] = end_to_end(work, seed + 1000, max(seconds, 12.0), size)
    result["targets"] = target_rows(result)
    return result


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--no-e2e", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--keep", type=Path, help="write what the models heard and read here")
    parser.add_argument(
        "--rescore", type=Path, nargs="+", help="score --keep files' speech again, pooled"
    )
    args = parser.parse_args()
    if args.rescore:
        print(json.dumps(rescore(args.rescore), indent=2))
        return
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="ma-signals-") as work:
        result = run(
            Path(work), args.seed, args.clips, args.seconds, size, not args.no_e2e, keep=args.keep
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "signals.json").write_text(json.dumps(result, indent=2))
    text = markdown(result)
    (args.out / "signals.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
