"""Which learner each attempt belongs to, so that an answer names only the attempt.

An attempt id names one learner for good (derived from the learner, or random), so an
entry is written once and kept in memory once known; entries and lookups made together
share their round trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pymongo
from pymongo import WriteConcern
from pymongo.asynchronous.database import AsyncDatabase

from hocvuso.adapters.coalesce import Coalescer
from hocvuso.adapters.mongo import insert_new
from hocvuso.adapters.recent import Recent

_KEPT = 100_000  # attempt → learner ids kept in memory


class MongoAttemptOwners:
    def __init__(
        self, db: AsyncDatabase[dict[str, Any]], concern: WriteConcern, timeout: float | None
    ) -> None:
        self._owners_of = db.get_collection("attempt_owners", write_concern=concern)
        self._timeout = timeout
        self._known: Recent[str, str] = Recent(_KEPT)
        self._write = Coalescer(self._write_many, timeout=timeout)
        self._read = Coalescer(self._read_many, timeout=timeout)

    async def index(self, attempt_id: str, learner_id: str) -> None:
        await self._write((attempt_id, learner_id))
        self._known.put(attempt_id, learner_id)

    async def owner_of(self, attempt_id: str) -> str | None:
        return self._known.get(attempt_id) or await self._read(attempt_id)

    async def _write_many(self, owners: Sequence[tuple[str, str]]) -> list[bool]:
        # An entry found already is this one, written by an earlier try.
        docs = [{"_id": attempt, "learner_id": learner} for attempt, learner in owners]
        return await insert_new(self._owners_of, docs, self._timeout)

    async def _read_many(self, attempts: Sequence[str]) -> list[str | None]:
        with pymongo.timeout(self._timeout):
            docs = self._owners_of.find({"_id": {"$in": list(set(attempts))}})
            found = {doc["_id"]: str(doc["learner_id"]) async for doc in docs}
        for attempt, owner in found.items():
            self._known.put(attempt, owner)
        return [found.get(attempt) for attempt in attempts]
