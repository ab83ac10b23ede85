"""Enrollment's learners in MongoDB: one document per learner, its outbox inside it.

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
from hocvuso.adapters.repositories import Outgoing, Pending, Stored
from hocvuso.domain.enrollment import Learner
from hocvuso.events.envelope import decode_payload, encode

Doc = dict[str, Any]


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

    async def create_indexes(self) -> None:
        await self.learners.create_index("pending")

    async def get(self, learner_id: str) -> Stored | None:
        doc = await self.learners.find_one({"_id": learner_id})
        if doc is None:
            return None
        return Stored(learner_from_doc(doc["learner"]), int(doc["_v"]), raw=doc)

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

    async def save(self, stored: Stored, learner: Learner, events: Sequence[Outgoing]) -> bool:
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
        result = await self.learners.replace_one(
            {"_id": learner.learner_id, "_v": stored.version}, doc
        )
        return result.matched_count == 1

    async def index_attempt(self, attempt_id: str, learner_id: str) -> None:
        await self.attempt_owners.update_one(
            {"_id": attempt_id}, {"$set": {"learner_id": learner_id}}, upsert=True
        )

    async def owner_of_attempt(self, attempt_id: str) -> str | None:
        doc = await self.attempt_owners.find_one({"_id": attempt_id})
        return None if doc is None else str(doc["learner_id"])

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

    async def acknowledge(self, key: str, last_seq: int) -> None:
        def without_sent(doc: Doc | None) -> Doc:
            if doc is None:
                raise LookupError(f"outbox document {key} vanished")
            left = [e for e in doc["outbox"] if e["seq"] > last_seq]
            return {**doc, "outbox": left, "pending": bool(left)}

        await update_versioned(self.learners, key, without_sent)

    async def count_pending(self) -> int:
        return int(await self.learners.count_documents({"pending": True}))
