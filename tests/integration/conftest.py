"""Clients of the session stack for integration tests."""

import pytest
from google.cloud import firestore

from mediacore.storage import open_store


@pytest.fixture
def db(stack_env):
    return firestore.Client(project=stack_env.info["project"])


@pytest.fixture
def store(stack_env):
    return open_store()
