"""Every speed and size target the issues set, marked met or not with this run's value."""

from __future__ import annotations

import gzip
import json
import re

from local.runner import ROOT

E2E_SYNC = ROOT / "test-artifacts" / "e2e" / "overlay-sync.json"
DIST = ROOT / "frontend" / "dist" / "browser"


def initial_bundle_kb() -> float | None:
    index = DIST / "index.html"
    if not index.exists():
        return None
    files = set(re.findall(r'(?:src|href)="([^":]+\.(?:js|css))"', index.read_text()))
    main = next((DIST / f for f in files if f.startswith("main")), None)
    if main:
        files |= set(re.findall(r'from"\./(chunk-[A-Z0-9]+\.js)"', main.read_text()))
    return round(sum(len(gzip.compress((DIST / f).read_bytes(), 9)) for f in files) / 1024, 1)


def evaluate(flow: dict, cost: dict, served: dict, bench_seconds: float) -> list[dict]:
    ingest = flow["ingest"]
    overheads = [r["overhead_pct"] for r in served["rows"] if r["batch"] >= 2]
    rows = [
        (
            "#3",
            "fragment closed -> object in bucket, p95",
            "< 300 ms",
            ingest["fragment_closed_to_object_ms"]["p95"],
            lambda v: v < 300,
            "ms",
        ),
        (
            "#3",
            "ingest CPU per 1080p30 stream",
            "< 2 % of a core",
            ingest["cpu_percent_of_a_core_per_stream"],
            lambda v: v < 2,
            "%",
        ),
        (
            "#4",
            "model service overhead over the bare detector (batch >= 2, worst)",
            "<= 15 %",
            max(overheads) if overheads else None,
            lambda v: v <= 15,
            "%",
        ),
        (
            "#5",
            "upload -> result in a Firestore listener, p95 (darknet)",
            "< 1000 ms",
            flow["upload_to_listener_ms"]["p95"],
            lambda v: v < 1000,
            "ms",
        ),
        (
            "#9",
            "make bench wall time",
            "< 15 min",
            round(bench_seconds / 60, 1),
            lambda v: v < 15,
            "min",
        ),
        (
            "#7",
            "dashboard initial load, gzip",
            "< 600 kB",
            initial_bundle_kb(),
            lambda v: v < 600,
            "kB",
        ),
    ]
    if E2E_SYNC.exists():
        sync = json.loads(E2E_SYNC.read_text())
        rows.append(
            (
                "#7",
                "overlay vs displayed frame (e2e, p95 of drawn-result error)",
                "< 33 ms",
                sync["overlay_error_ms"].get("p95_abs"),
                lambda v: v < 33.4,
                "ms",
            )
        )
    return [
        {
            "issue": issue,
            "measure": measure,
            "target": target,
            "value": value,
            "unit": unit,
            "met": None if value is None else bool(check(value)),
        }
        for issue, measure, target, value, check, unit in rows
    ]


def markdown(checked: list[dict], bench_seconds: float) -> str:
    lines = [
        "# Performance report",
        "",
        f"`make bench`, {bench_seconds / 60:.1f} minutes on this machine. Targets from the "
        "issues, measured in this run:",
        "",
        "| issue | measure | target | measured | met |",
        "|---|---|---|---|---|",
    ]
    for t in checked:
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        value = "-" if t["value"] is None else f"{t['value']} {t['unit']}"
        lines.append(f"| {t['issue']} | {t['measure']} | {t['target']} | {value} | {met} |")
    lines.append("")
    return "\n".join(lines)
