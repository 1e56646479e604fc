"""No import cycles inside any of our packages (lazy imports inside functions count too:
a cycle there still means two modules that cannot be understood apart)."""

import grimp
import pytest

PACKAGES = ["functions", "mediacore", "ingest", "gpu_service", "local"]


def cycles(package: str) -> list[tuple[str, str]]:
    graph = grimp.build_graph(package, cache_dir=None)
    found = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                found.add(tuple(sorted((module, imported))))
    return sorted(found)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package):
    assert cycles(package) == []


def test_the_check_sees_a_cycle(tmp_path, monkeypatch):
    (tmp_path / "loopy").mkdir()
    (tmp_path / "loopy" / "__init__.py").write_text("")
    (tmp_path / "loopy" / "a.py").write_text("def f():\n    from loopy import b\n")
    (tmp_path / "loopy" / "b.py").write_text("from loopy import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cycles("loopy") == [("loopy.a", "loopy.b")]
