"""Stats' read model in MongoDB: each partition's scope counters, as the API serves them.

Each consumer owns whole partitions, so it writes absolute values for its partition and a
read sums the partitions: no two writers ever touch one document on purpose. A document
also records how far into its partition's input it is (`upto`, the sum of the next
offsets), and a write that is behind it is refused: a member catching up from an older
checkpoint after a rebalance never shows figures going backwards.

The history (`scope_history`) holds, per scope and partition, the counts at the end of
each second in which they changed (log time). A figure as of second T is, per partition,
the latest at or before T, summed: one indexed lookup per partition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from hocvuso.domain.counters import COUNT_FIELDS, Counts, empty_counts

_DUPLICATE_KEY = 11000


class MongoCounters:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.counters = db["scope_counters"]
        self.history = db["scope_history"]

    async def create_indexes(self) -> None:
        await self.counters.create_index("scope")
        await self.history.create_index([("scope", 1), ("p", 1), ("s", -1)])

    async def publish(
        self,
        partition: int,
        scopes: Mapping[str, Counts],
        upto: int,
        history: Mapping[tuple[str, int], Counts] | None = None,
    ) -> None:
        if history:
            # The same second noted again holds what is known of it now: it replaces. (The
            # `_id` is repeated in the replacement: nx-27017's upsert does not take it from
            # the filter, and would insert a second document.)
            replaces: list[ReplaceOne[dict[str, Any]]] = []
            for (scope, second), counts in history.items():
                key = f"{scope}|{partition}|{second}"
                doc = {"_id": key, "scope": scope, "p": partition, "s": second, **counts}
                replaces.append(ReplaceOne({"_id": key}, doc, upsert=True))
            await self.history.bulk_write(replaces, ordered=False)
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

    async def totals_as_of(self, scope: str, second: int) -> Counts:
        totals = empty_counts()
        partitions = await self.counters.distinct("p", {"scope": scope})
        for partition in partitions:
            latest = self.history.find(
                {"scope": scope, "p": partition, "s": {"$lte": second}}, sort=[("s", -1)]
            ).limit(1)
            async for doc in latest:
                for name in COUNT_FIELDS:
                    totals[name] += int(doc.get(name, 0))
        return totals
