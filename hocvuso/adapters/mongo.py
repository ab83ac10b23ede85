"""MongoDB access: one database per owning service, plus shared master data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pymongo
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from hocvuso.adapters.failures import Unavailable
from hocvuso.settings import MongoSettings


def connect(settings: MongoSettings) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(settings.url, serverSelectionTimeoutMS=5000, tz_aware=True)


def database(
    client: AsyncMongoClient[dict[str, Any]], settings: MongoSettings, owner: str
) -> AsyncDatabase[dict[str, Any]]:
    return client[settings.database(owner)]


async def ping(client: AsyncMongoClient[dict[str, Any]]) -> bool:
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True


class ConcurrentUpdate(Unavailable):
    """Too many writers at once on one document; worth trying again."""


async def update_versioned(
    collection: AsyncCollection[dict[str, Any]],
    doc_id: str,
    change: Callable[[dict[str, Any] | None], dict[str, Any]],
    attempts: int = 20,
) -> dict[str, Any]:
    """Read-modify-write one document with optimistic concurrency on its `_v` field.

    `change` gets the current document (None when absent) and returns the new body;
    it may raise to refuse the change, in which case nothing is written.
    """
    for _ in range(attempts):
        current = await collection.find_one({"_id": doc_id})
        body = change(current)
        if current is None:
            new = {**body, "_id": doc_id, "_v": 1}
            try:
                await collection.insert_one(new)
            except Exception as exc:  # a concurrent insert won: read again
                if "duplicate" in str(exc).lower() or "E11000" in str(exc):
                    continue
                raise
            return new
        new = {**body, "_id": doc_id, "_v": current.get("_v", 0) + 1}
        result = await collection.replace_one({"_id": doc_id, "_v": current.get("_v", 0)}, new)
        if result.matched_count == 1:
            return new
    raise ConcurrentUpdate(f"{doc_id}: too many concurrent updates")


_DUPLICATE_KEY = 11000


async def insert_new(
    collection: AsyncCollection[dict[str, Any]],
    docs: list[dict[str, Any]],
    timeout: float | None = None,
) -> list[bool]:
    """Insert, in one unordered round trip, every document whose `_id` (or other unique
    key) is not taken; which ones were inserted. Any other write error is raised."""
    taken: set[int] = set()
    try:
        with pymongo.timeout(timeout):
            await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != _DUPLICATE_KEY for e in errors):
            raise
        taken = {int(e["index"]) for e in errors}
    return [i not in taken for i in range(len(docs))]
