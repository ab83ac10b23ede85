"""Stats' counters in MongoDB: per-learner facts and per-partition scope counters.

Each consumer owns whole partitions, so it writes absolute values for its partition and
a read sums the partitions: no two writers ever touch one document.
"""

from __future__ import annotations

from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from hocvuso.adapters.mappers import facts_from_dict, facts_to_dict
from hocvuso.domain.counters import COUNT_FIELDS, Counts, LearnerFacts, empty_counts


class MongoCounters:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.learners = db["learner_facts"]
        self.counters = db["scope_counters"]

    async def create_indexes(self) -> None:
        await self.learners.create_index("p")
        await self.counters.create_index("scope")

    async def learners_of(self, partition: int) -> list[tuple[str, LearnerFacts]]:
        cursor = self.learners.find({"p": partition})
        return [(d["_id"], facts_from_dict(d)) async for d in cursor]

    async def save(
        self, partition: int, learners: dict[str, LearnerFacts], scopes: dict[str, Counts]
    ) -> None:
        learner_ops = [
            UpdateOne({"_id": lid}, {"$set": {**facts_to_dict(facts), "p": partition}}, upsert=True)
            for lid, facts in learners.items()
        ]
        scope_ops = [
            UpdateOne(
                {"_id": f"{scope}|{partition}"},
                {"$set": {"scope": scope, "p": partition, **counts}},
                upsert=True,
            )
            for scope, counts in scopes.items()
        ]
        # Learners first: if we stop between the two writes, counters are rebuilt from
        # the learners when the partition is next loaded.
        if learner_ops:
            await self.learners.bulk_write(learner_ops, ordered=False)
        if scope_ops:
            await self.counters.bulk_write(scope_ops, ordered=False)

    async def totals(self, scope: str) -> Counts:
        totals = empty_counts()
        async for doc in self.counters.find({"scope": scope}):
            for name in COUNT_FIELDS:
                totals[name] += int(doc.get(name, 0))
        return totals
