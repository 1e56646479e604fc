"""The logo catalogue's search and glyphs (functions/api/catalogue.py), on a small catalogue
laid out as simple-icons is (data/simple-icons.json, icons/*.svg, package.json), and on the
pinned package itself when `make setup` installed it (functions/catalogue).

Stands in for an analyst typing a brand's name in the brands page's "add from catalogue".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.api.catalogue import Catalogue, CatalogueMissing, luminance
from local.runner import ROOT

ENTRIES = [
    {"title": "Colab", "slug": "colab", "hex": "F9AB00"},
    {"title": "Coca-Cola", "slug": "cocacola", "hex": "D00013"},
    {"title": "Chocolatey", "slug": "chocolatey", "hex": "80B5E3"},
    {"title": "Citroën", "slug": "citroen", "hex": "DA291C"},
    {"title": "Cola Corp", "slug": "colacorp", "hex": "FFFFFF", "license": {"type": "MIT"}},
    {"title": "Pepsi Co", "slug": "pepsico", "hex": "2151A1", "aliases": {"aka": ["Cola Rival"]}},
    {"title": "Decola", "slug": "decola", "hex": "333333", "aliases": {"loc": {"fr": "Décola"}}},
]
SVG = (
    '<svg role="img" viewBox="0 0 24 24" xmlns="http://www.w3.org/2000/svg">'
    '<path d="M0 0h24v24H0z"/></svg>'
)


def make_catalogue(folder: Path, entries=ENTRIES) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "icons").mkdir()
    (folder / "data" / "simple-icons.json").write_text(json.dumps(entries))
    (folder / "package.json").write_text(json.dumps({"version": "0.0.1"}))
    for entry in entries:
        (folder / "icons" / f"{entry['slug']}.svg").write_text(SVG)
    return folder


@pytest.fixture
def catalogue(tmp_path) -> Catalogue:
    return Catalogue(make_catalogue(tmp_path / "simple-icons"))


def slugs(catalogue: Catalogue, query: str, limit: int = 20) -> list[str]:
    return [icon.slug for icon in catalogue.search(query, limit)]


def test_whole_names_then_prefixes_then_words_then_aliases_then_anywhere(catalogue):
    # colab: title prefix; colacorp: title prefix (longer); cocacola: a word starts with it;
    # pepsico: an alias starts with it; chocolatey, decola: "cola" inside the title.
    assert slugs(catalogue, "cola") == [
        "colab", "colacorp", "cocacola", "pepsico", "decola", "chocolatey",
    ]  # fmt: skip
    assert slugs(catalogue, "Coca-Cola")[0] == "cocacola"  # whole name first
    assert slugs(catalogue, "coca cola") == ["cocacola"]  # punctuation and spaces aside
    assert slugs(catalogue, "cola", limit=2) == ["colab", "colacorp"]


def test_case_and_accents_do_not_matter(catalogue):
    assert slugs(catalogue, "CITROEN") == slugs(catalogue, "citroën") == ["citroen"]
    assert slugs(catalogue, "décola") == ["decola"]


def test_nothing_matches_nothing(catalogue):
    assert slugs(catalogue, "zzz") == [] and slugs(catalogue, "--") == []


def test_glyphs_are_drawn_in_their_brand_colour_unless_too_light(catalogue):
    assert catalogue.svg("cocacola").startswith(b'<svg fill="#D00013" ')
    assert catalogue.svg("colacorp").startswith(b'<svg fill="#000000" ')  # white on white
    assert luminance("FFFFFF") == pytest.approx(1.0) and luminance("000000") == 0.0
    assert catalogue.icons["colacorp"].license == "MIT"
    assert catalogue.icons["cocacola"].license == "CC0-1.0"
    with pytest.raises(KeyError):
        catalogue.svg("../../etc/passwd")


def test_a_missing_or_broken_catalogue_says_so(tmp_path):
    with pytest.raises(CatalogueMissing, match="no catalogue index"):
        Catalogue(tmp_path / "nowhere")
    broken = make_catalogue(tmp_path / "broken")
    (broken / "data" / "simple-icons.json").write_text("{not json")
    with pytest.raises(CatalogueMissing, match="cannot be read"):
        Catalogue(broken)


PINNED = ROOT / "functions" / "catalogue" / "node_modules" / "simple-icons"


def test_the_pinned_simple_icons_package_is_what_the_code_reads():
    if not (PINNED / "data" / "simple-icons.json").exists():
        pytest.fail("functions/catalogue is not installed: run `make setup`")
    pinned = json.loads((ROOT / "functions" / "catalogue" / "package.json").read_text())
    real = Catalogue(PINNED)
    assert real.version == pinned["dependencies"]["simple-icons"] == "16.37.0"
    assert len(real.icons) > 3000
    assert [icon.slug for icon in real.search("coca", 3)][0] == "cocacola"
    assert real.search("Citroën", 1)[0].slug == "citroen"
    assert real.svg("starbucks").startswith(b'<svg fill="#')
