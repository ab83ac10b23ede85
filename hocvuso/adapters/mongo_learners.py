"""Enrollment's learners in MongoDB: one document per learner, its outbox inside it.

The documents this process last read or wrote are kept in memory (bounded), so a change
usually costs one round trip, the conditional write: a copy made stale by another
instance fails that write's version check, and the caller reads again with `get`. An
attempt's owner never changes, so it is kept as well. The relay acknowledges a batch of
documents with one update per distinct outbox position, not a read and a write each.

Relies on exactly these MongoDB features (checked against nx-27017 by the contract suite):
single-document atomic `replace_one` filtered on `_id` and a version field (optimistic
concurrency), `insert_one` refusing a duplicate `_id`, equality queries on an indexed
field, and the collection's write concern (majority and journaled in production).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import WriteConcern
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hocvuso.adapters.mappers import learner_from_doc, learner_to_doc
from hocvuso.adapters.mongo import update_versioned
from hocvuso.adapters.recent import Recent
from hocvuso.adapters.repositories import Outgoing, Pending, Stored
from hocvuso.domain.enrollment import Learner
from hocvuso.events.envelope import decode_payload, encode

Doc = dict[str, Any]
_RECENT = 10_000  # learner documents kept, a few KB each
_OWNERS = 100_000  # attempt → learner ids kept


def _entries(start: int, events: Sequence[Outgoing]) -> list[Doc]:
    return [
        {
            "seq": start + i,
            "ce_id": o.ce_id,
            "type": o.event.type_name,
            "body": encode(o.event).decode(),
        }
        for i, o in enumerate(events, start=1)
    ]


class MongoLearners:
    def __init__(self, db: AsyncDatabase[Doc], write_concern: WriteConcern | None = None) -> None:
        concern = write_concern or WriteConcern()
        self.learners = db.get_collection("learners", write_concern=concern)
        self.attempt_owners = db.get_collection("attempt_owners", write_concern=concern)
        self._recent: Recent[str, Stored] = Recent(_RECENT)
        self._owners: Recent[str, str] = Recent(_OWNERS)

    async def create_indexes(self) -> None:
        await self.learners.create_index("pending")

    async def get(self, learner_id: str) -> Stored | None:
        doc = await self.learners.find_one({"_id": learner_id})
        if doc is None:
            return None
        stored = Stored(learner_from_doc(doc["learner"]), int(doc["_v"]), raw=doc)
        self._recent.put(learner_id, stored)
        return stored

    async def recent(self, learner_id: str) -> Stored | None:
        return self._recent.get(learner_id) or await self.get(learner_id)

    async def add(self, learner: Learner, events: Sequence[Outgoing]) -> bool:
        outbox = _entries(0, events)
        doc = {
            "_id": learner.learner_id,
            "_v": 1,
            "learner": learner_to_doc(learner),
            "outbox": outbox,
            "outbox_last": len(outbox),
            "pending": bool(outbox),
        }
        try:
            await self.learners.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def save(
        self, stored: Stored, learner: Learner, events: Sequence[Outgoing]
    ) -> Stored | None:
        raw = stored.raw or {}
        last = int(raw.get("outbox_last", 0))
        outbox = [*raw.get("outbox", []), *_entries(last, events)]
        doc = {
            "_v": stored.version + 1,
            "learner": learner_to_doc(learner),
            "outbox": outbox,
            "outbox_last": last + len(events),
            "pending": bool(outbox),
        }
        # A whole-document replace costs nx-27017 less than an update with operators.
        result = await self.learners.replace_one(
            {"_id": learner.learner_id, "_v": stored.version}, doc
        )
        if result.matched_count != 1:
            self._recent.drop(learner.learner_id)
            return None
        saved = Stored(learner, stored.version + 1, raw=doc)
        self._recent.put(learner.learner_id, saved)
        return saved

    async def index_attempt(self, attempt_id: str, learner_id: str) -> None:
        await self.attempt_owners.update_one(
            {"_id": attempt_id}, {"$set": {"learner_id": learner_id}}, upsert=True
        )
        self._owners.put(attempt_id, learner_id)

    async def owner_of_attempt(self, attempt_id: str) -> str | None:
        known = self._owners.get(attempt_id)
        if known is not None:
            return known
        doc = await self.attempt_owners.find_one({"_id": attempt_id})
        if doc is None:
            return None
        self._owners.put(attempt_id, str(doc["learner_id"]))
        return str(doc["learner_id"])

    async def pending(self, limit: int) -> list[Pending]:
        cursor = self.learners.find({"pending": True}, {"outbox": 1, "outbox_last": 1}).limit(limit)
        return [
            Pending(
                key=doc["_id"],
                last_seq=int(doc["outbox_last"]),
                events=[
                    Outgoing(e["ce_id"], decode_payload(e["type"], e["body"].encode()))
                    for e in doc["outbox"]
                ],
            )
            async for doc in cursor
        ]

    async def acknowledge(self, sent: Sequence[Pending]) -> None:
        # Most documents got nothing new since the relay read them: one update per distinct
        # outbox position empties all of them, leaving the version alone so that no
        # request's conditional write fails for it. The few that did get more are pruned
        # one by one.
        by_last: dict[int, list[str]] = {}
        for p in sent:
            by_last.setdefault(p.last_seq, []).append(p.key)
        for last, keys in by_last.items():
            emptied = await self.learners.update_many(
                {"_id": {"$in": keys}, "outbox_last": last},
                {"$set": {"outbox": [], "pending": False}},
            )
            if emptied.matched_count < len(keys):
                grown = self.learners.find(
                    {"_id": {"$in": keys}, "outbox_last": {"$gt": last}}, {"_id": 1}
                )
                for key in [doc["_id"] async for doc in grown]:
                    await self._prune(key, last)
            for key in keys:
                self._forget_sent(key, last)

    async def _prune(self, key: str, last_seq: int) -> None:
        def without_sent(doc: Doc | None) -> Doc:
            if doc is None:
                raise LookupError(f"outbox document {key} vanished")
            left = [e for e in doc["outbox"] if e["seq"] > last_seq]
            return {**doc, "outbox": left, "pending": bool(left)}

        await update_versioned(self.learners, key, without_sent)

    def _forget_sent(self, key: str, last_seq: int) -> None:
        """Keep the copy in memory from writing published events back into the outbox."""
        stored = self._recent.get(key)
        if stored is not None:
            left = [e for e in stored.raw["outbox"] if e["seq"] > last_seq]
            raw = {**stored.raw, "outbox": left, "pending": bool(left)}
            self._recent.put(key, Stored(stored.learner, stored.version, raw=raw))

    async def count_pending(self) -> int:
        return int(await self.learners.count_documents({"pending": True}))
