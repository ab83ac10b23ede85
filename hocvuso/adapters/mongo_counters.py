"""Stats' read model in MongoDB: each partition's scope counters, as the API serves them.

Each consumer owns whole partitions, so it writes absolute values for its partition and a
read sums the partitions: no two writers ever touch one document on purpose. A document
also records how far into its partition's input it is (`upto`, the sum of the next
offsets), and a write that is behind it is refused: a member catching up from an older
checkpoint after a rebalance never shows figures going backwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from hocvuso.domain.counters import COUNT_FIELDS, Counts, empty_counts

_DUPLICATE_KEY = 11000


class MongoCounters:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.counters = db["scope_counters"]

    async def create_indexes(self) -> None:
        await self.counters.create_index("scope")

    async def publish(self, partition: int, scopes: Mapping[str, Counts], upto: int) -> None:
        ops = [
            UpdateOne(
                # A newer value stored: the filter misses, the upsert collides on `_id`.
                {"_id": f"{scope}|{partition}", "upto": {"$lte": upto}},
                {"$set": {"scope": scope, "p": partition, "upto": upto, **counts}},
                upsert=True,
            )
            for scope, counts in scopes.items()
        ]
        if not ops:
            return
        try:
            await self.counters.bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors) or not errors:
                raise

    async def totals(self, scope: str) -> Counts:
        totals = empty_counts()
        async for doc in self.counters.find({"scope": scope}):
            for name in COUNT_FIELDS:
                totals[name] += int(doc.get(name, 0))
        return totals
