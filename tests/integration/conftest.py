"""A fresh MongoDB database per test on the session's real nx-27017."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hocvuso.devstack import Stack

Database = AsyncDatabase[dict[str, Any]]


@pytest.fixture
def fresh_database(servers: Stack) -> Callable[[], Database]:
    """Each call gives a handle on the same new, empty database, on a new client (each
    test runs its own event loop)."""
    name = f"contract_{uuid.uuid4().hex[:12]}"
    url = f"mongodb://127.0.0.1:{servers.mongo_port}"

    def database() -> Database:
        return AsyncMongoClient[dict[str, Any]](url, tz_aware=True)[name]

    return database
