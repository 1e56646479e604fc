"""Fixtures the dashboard's browser tests share."""

from __future__ import annotations

import pytest
import requests


@pytest.fixture
def dashboard(stack_env):
    """The dashboard's URL on the session's stack, failing clearly when it is not built."""
    url = stack_env.info["dashboard"]
    if requests.get(url, timeout=30).status_code != 200:
        pytest.fail("the dashboard is not built: run `make frontend` (make test does)")
    return url
