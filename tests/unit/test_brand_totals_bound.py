"""The brand totals read a bounded number of stream documents and say when there were more.

Stands in for a deployment with more streams than one GET /v1/brands reads (1000): the
registry is a list here, paged as StreamRegistry.page pages Firestore (id order, ``after``).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from functions.api import brands
from functions.api.services import KEY


class Registry:
    def __init__(self, count: int):
        self.ids = [f"s{i:05d}" for i in range(count)]
        self.reads: list[int] = []

    def page(self, size: int, after: str | None = None):
        start = self.ids.index(after) + 1 if after else 0
        self.reads.append(size)
        return [(i, {"name": i}) for i in self.ids[start : start + size]]


def read(count: int, monkeypatch, bound: int = 5, page: int = 2):
    monkeypatch.setattr(brands, "MAX_STREAMS", bound)
    monkeypatch.setattr(brands, "STREAM_PAGE", page)
    app = Flask("test")
    registry = Registry(count)
    app.extensions[KEY] = SimpleNamespace(registry=registry)
    with app.app_context():
        rows, truncated = brands.read_streams()
    return [r[0] for r in rows], truncated, registry


@pytest.mark.parametrize("count", [0, 1, 4, 5])
def test_every_stream_is_read_up_to_the_bound(count, monkeypatch):
    ids, truncated, registry = read(count, monkeypatch)
    assert ids == registry.ids and truncated is False


def test_more_streams_than_the_bound_are_said_to_be_left_out(monkeypatch):
    ids, truncated, registry = read(12, monkeypatch)
    assert ids == registry.ids[:5] and truncated is True
    assert sum(registry.reads) <= 6  # never more than the bound and one more document
