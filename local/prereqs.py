"""Check (and on Debian/Ubuntu as root, install) the system programs the local stack needs.

    python3 local/prereqs.py            # check, print one message listing what is missing
    python3 local/prereqs.py --install  # also apt-get install what can be installed

Standard library only: it runs before the virtual environment exists.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

GOOGLE_APT_HELP = (
    "add Google Cloud's apt repository (https://cloud.google.com/sdk/docs/install#deb), "
    "then: apt-get install google-cloud-cli google-cloud-cli-firestore-emulator "
    "google-cloud-cli-pubsub-emulator"
)


@dataclass(frozen=True)
class Prerequisite:
    name: str
    why: str
    apt: tuple[str, ...]
    how: str

    def present(self) -> bool:
        return CHECKS[self.name]()


def _gcloud_component(*parts: str) -> bool:
    gcloud = shutil.which("gcloud")
    if not gcloud:
        return False
    return Path(os.path.realpath(gcloud)).parent.parent.joinpath("platform", *parts).exists()


def _java_17() -> bool:
    if not shutil.which("java"):
        return False
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    try:
        major = int(out.split('"')[1].split(".")[0])
    except (IndexError, ValueError):
        return False
    return major >= 17


def _nginx_rtmp() -> bool:
    folders = [Path("/usr/lib/nginx/modules"), Path("/usr/share/nginx/modules")]
    return shutil.which("nginx") is not None and all(
        any((f / f"ngx_{name}_module.so").exists() for f in folders) for name in ("rtmp", "stream")
    )


def _espeak_ng() -> bool:
    import ctypes.util

    return shutil.which("espeak-ng") is not None and bool(ctypes.util.find_library("espeak-ng"))


FONT_FILES = (  # what tests/signal_clips.py draws on-screen text with
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


CHECKS = {
    "java": _java_17,
    "gcloud": lambda: shutil.which("gcloud") is not None,
    "firestore-emulator": lambda: _gcloud_component("cloud-firestore-emulator"),
    "pubsub-emulator": lambda: _gcloud_component("pubsub-emulator"),
    "ffmpeg": lambda: shutil.which("ffmpeg") is not None,
    "nginx-rtmp": _nginx_rtmp,
    "node": lambda: shutil.which("node") is not None and shutil.which("npm") is not None,
    "chromium": lambda: shutil.which("chromium") is not None,
    "espeak-ng": _espeak_ng,
    "flite": lambda: shutil.which("flite") is not None,
    "fonts": lambda: all(Path(f).exists() for f in FONT_FILES),
}

PREREQUISITES = [
    Prerequisite(
        "java",
        "Java 17+ runs the Firestore and Pub/Sub emulators",
        ("default-jre-headless",),
        "apt-get install default-jre-headless",
    ),
    Prerequisite(
        "gcloud",
        "the Google Cloud CLI carries the emulators",
        ("google-cloud-cli",),
        GOOGLE_APT_HELP,
    ),
    Prerequisite(
        "firestore-emulator",
        "local Firestore",
        ("google-cloud-cli-firestore-emulator",),
        GOOGLE_APT_HELP,
    ),
    Prerequisite(
        "pubsub-emulator",
        "local Pub/Sub (bucket notifications)",
        ("google-cloud-cli-pubsub-emulator",),
        GOOGLE_APT_HELP,
    ),
    Prerequisite(
        "ffmpeg",
        "the OBS-like publisher and the sample video",
        ("ffmpeg",),
        "apt-get install ffmpeg",
    ),
    Prerequisite(
        "nginx-rtmp",
        "the RTMP ingest edge (stream: its per-address connection limit)",
        ("nginx", "libnginx-mod-rtmp", "libnginx-mod-stream"),
        "apt-get install nginx libnginx-mod-rtmp libnginx-mod-stream",
    ),
    Prerequisite(
        "node",
        "Node 20 runs the Auth emulator, the dashboard's build and its tests",
        ("nodejs", "npm"),
        "apt-get install nodejs npm (Node 20.x; Angular 21 does not run on 22+)",
    ),
    Prerequisite(
        "chromium",
        "Debian Chromium runs the dashboard's browser tests (never a downloaded browser)",
        ("chromium",),
        "apt-get install chromium",
    ),
    Prerequisite(
        "espeak-ng",
        "synthesised speech in the test clips for brands said aloud (tests/signal_clips.py)",
        ("espeak-ng",),
        "apt-get install espeak-ng",
    ),
    Prerequisite(
        "flite",
        "more voices for the speech test clips (tests/signal_clips.py)",
        ("flite",),
        "apt-get install flite",
    ),
    Prerequisite(
        "fonts",
        "fonts the on-screen text test clips are drawn in (tests/signal_clips.py)",
        ("fonts-dejavu-core", "fonts-liberation2", "fonts-liberation", "fonts-noto-core"),
        "apt-get install fonts-dejavu-core fonts-liberation2 fonts-liberation fonts-noto-core",
    ),
]


def apt_installable(packages: list[str]) -> tuple[list[str], list[str]]:
    """Split packages into those apt has a candidate for and those it has not."""
    have, lack = [], []
    for package in packages:
        policy = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
        candidate = [line for line in policy.stdout.splitlines() if "Candidate:" in line]
        ok = candidate and "(none)" not in candidate[0]
        (have if ok else lack).append(package)
    return have, lack


def install(missing: list[Prerequisite]) -> None:
    if not (Path("/etc/debian_version").exists() and shutil.which("apt-get")):
        return
    if os.geteuid() != 0:
        print("prereqs: not root, so not installing; run the commands below with sudo.")
        return
    packages = sorted({p for prereq in missing for p in prereq.apt})
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    have, _ = apt_installable(packages)
    if have:
        print(f"prereqs: apt-get install {' '.join(have)}")
        subprocess.run(["apt-get", "install", "-y", "-qq", *have], env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="apt-get install what is missing")
    args = parser.parse_args()
    if sys.version_info < (3, 11):  # noqa: UP036 - runs on the system Python, before the venv
        print("prereqs: Python 3.11 or 3.12 is needed (python3 --version)", file=sys.stderr)
        return 1
    missing = [p for p in PREREQUISITES if not p.present()]
    if missing and args.install:
        install(missing)
        missing = [p for p in PREREQUISITES if not p.present()]
    if not missing:
        print(
            "prereqs: all present (java 17+, gcloud emulators, ffmpeg, nginx-rtmp, node, "
            "chromium, espeak-ng, flite, fonts)"
        )
        return 0
    lines = [f"  - {p.name}: needed for {p.why}. Install: {p.how}" for p in missing]
    print("Media Analyzer needs these system programs:\n" + "\n".join(lines), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
