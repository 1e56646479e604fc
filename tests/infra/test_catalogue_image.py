"""The functions image carries the logo catalogue where its settings look for it.

Stands in for `docker build -f functions/Dockerfile .` (no Docker engine here): the
catalogue stage's npm ci is the one `make setup` ran on the same lockfile
(functions/catalogue), and the stage's copy commands run as written, with /out in a
temporary folder. What they leave must be a catalogue the API reads (the index, the
icons, the version), without the package's JavaScript, at the path the final stage's
MA_LOGO_CATALOGUE_DIR names.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from functions.api.catalogue import Catalogue, CatalogueMissing
from local.runner import ROOT
from tests.infra.containers import copies, final_stage, stages

DOCKERFILE = ROOT / "functions" / "Dockerfile"
INSTALLED = ROOT / "functions" / "catalogue" / "node_modules"


def catalogue_stage(dockerfile: Path):
    final = final_stage(dockerfile)
    (copy,) = [c for c in copies(final) if c.from_stage]
    (stage,) = [s for s in stages(dockerfile) if s.name == copy.from_stage]
    return final, copy, stage


def build_catalogue(dockerfile: Path, tmp_path: Path) -> Path:
    """The stage's RUN after its npm ci, on the lockfile's packages as `make setup` left them."""
    if not INSTALLED.exists():
        pytest.fail("functions/catalogue is not installed: run `make setup`")
    _, copy, stage = catalogue_stage(dockerfile)
    work = tmp_path / "stage"
    work.mkdir()
    (work / "node_modules").symlink_to(INSTALLED)
    out = tmp_path / "out"
    for keyword, args in stage.instructions:
        if keyword != "RUN":
            continue
        steps = [s.strip() for s in args.split("&&") if not s.strip().startswith("npm ci")]
        script = " && ".join(steps).replace("/out", shlex.quote(str(out)))
        subprocess.run(["bash", "-ec", script], cwd=work, check=True, env=dict(os.environ))
    assert copy.sources == ["/out"], copy.sources  # the stage's whole output is the catalogue
    return out


def test_the_image_builds_its_catalogue_from_the_lockfile_into_the_configured_folder(tmp_path):
    final, copy, stage = catalogue_stage(DOCKERFILE)
    assert final.env["MA_LOGO_CATALOGUE_DIR"] == copy.dest
    sources = [args for kw, args in stage.instructions if kw == "COPY"]
    assert sources and "functions/catalogue/package-lock.json" in sources[0]
    assert any(kw == "RUN" and "npm ci" in args for kw, args in stage.instructions)

    built = build_catalogue(DOCKERFILE, tmp_path)
    catalogue = Catalogue(built)
    assert catalogue.version == "16.37.0" and len(catalogue.icons) > 3000
    assert catalogue.svg("cocacola").startswith(b"<svg fill=")
    assert not list(built.rglob("*.js")) and not list(built.rglob("*.mjs"))


def test_a_stage_that_leaves_out_the_index_is_caught(tmp_path):
    broken = tmp_path / "Dockerfile"
    broken.write_text(
        DOCKERFILE.read_text().replace(
            " && cp node_modules/simple-icons/data/simple-icons.json /out/data/ \\\n", ""
        )
    )
    assert broken.read_text() != DOCKERFILE.read_text()
    with pytest.raises(CatalogueMissing):
        Catalogue(build_catalogue(broken, tmp_path))
