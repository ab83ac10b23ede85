"""Enrollment's learners in MongoDB: one document per learner, its outbox inside it.

The documents this process last read or wrote are kept in memory (bounded), so a change
usually costs one round trip, the conditional write: a copy made stale by another
instance fails that write's version check, and the caller reads again with `get`. An
attempt's owner never changes, so it is kept as well. The relay acknowledges a batch of
documents with one update per distinct outbox position, not a read and a write each.

Reads, inserts and conditional writes made while one is under way go out together in the
next round trip (`Coalescer`): one `find`, `insert_many` or `bulk_write` for all of them,
each caller still told its own outcome. A bulk write reports only how many documents
matched, so each write also leaves a token in its document; when fewer matched than were
sent, the tokens found tell which writes landed.

Relies on exactly these MongoDB features (checked against nx-27017 by the contract suite):
single-document atomic replaces filtered on `_id` and a version field (optimistic
concurrency) in an unordered `bulk_write`, unordered `insert_many` refusing a duplicate
`_id` per document, `$in` and equality queries on an indexed field, and the collection's
write concern (majority and journaled in production).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import pymongo
from pymongo import ReplaceOne, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from hocvuso.adapters.coalesce import Coalescer
from hocvuso.adapters.mappers import learner_from_doc, learner_to_doc
from hocvuso.adapters.mongo import update_versioned
from hocvuso.adapters.recent import Recent
from hocvuso.adapters.repositories import Outgoing, Pending, Stored
from hocvuso.domain.enrollment import Learner
from hocvuso.events.envelope import decode_payload, encode

Doc = dict[str, Any]
_RECENT = 10_000  # learner documents kept, a few KB each
_OWNERS = 100_000  # attempt → learner ids kept
_TOKENS = 4  # the last writes' tokens a document keeps: enough to find one's own
_DUPLICATE_KEY = 11000
Write = tuple[Stored, Learner, Sequence[Outgoing]]


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
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        write_concern: WriteConcern | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        concern = write_concern or WriteConcern()
        self.learners = db.get_collection("learners", write_concern=concern)
        self.attempt_owners = db.get_collection("attempt_owners", write_concern=concern)
        self._recent: Recent[str, Stored] = Recent(_RECENT)
        self._owners: Recent[str, str] = Recent(_OWNERS)
        # A shared round trip runs under no caller's deadline: each has this one instead.
        self._timeout = timeout_seconds
        self._get = Coalescer(self._get_many, timeout=timeout_seconds)
        self._add = Coalescer(self._add_many, timeout=timeout_seconds)
        self._save = Coalescer(self._save_many, timeout=timeout_seconds)

    async def create_indexes(self) -> None:
        await self.learners.create_index("pending")

    async def get(self, learner_id: str) -> Stored | None:
        return await self._get(learner_id)

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
        return await self._add(doc)

    async def save(
        self, stored: Stored, learner: Learner, events: Sequence[Outgoing]
    ) -> Stored | None:
        return await self._save((stored, learner, events))

    async def _get_many(self, learner_ids: Sequence[str]) -> list[Stored | None]:
        with pymongo.timeout(self._timeout):
            docs = self.learners.find({"_id": {"$in": list(set(learner_ids))}})
            found = {
                doc["_id"]: Stored(learner_from_doc(doc["learner"]), int(doc["_v"]), raw=doc)
                async for doc in docs
            }
        for key, stored in found.items():
            self._recent.put(key, stored)
        return [found.get(key) for key in learner_ids]

    async def _add_many(self, docs: Sequence[Doc]) -> list[bool]:
        taken: set[int] = set()
        try:
            with pymongo.timeout(self._timeout):
                await self.learners.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                raise
            taken = {int(e["index"]) for e in errors}
        return [i not in taken for i in range(len(docs))]

    async def _save_many(self, writes: Sequence[Write]) -> list[Stored | None]:
        docs = [self._next_doc(*write) for write in writes]
        replaces = [
            ReplaceOne({"_id": learner.learner_id, "_v": stored.version}, doc)
            for (stored, learner, _), doc in zip(writes, docs, strict=True)
        ]
        with pymongo.timeout(self._timeout):
            result = await self.learners.bulk_write(replaces, ordered=False)
            if result.matched_count == len(writes):
                landed = [True] * len(writes)
            else:  # some copies were stale: the tokens tell whose writes landed
                keys = list({learner.learner_id for _, learner, _ in writes})
                found = self.learners.find({"_id": {"$in": keys}}, {"_w": 1})
                tokens = {doc["_id"]: doc.get("_w", []) async for doc in found}
                landed = [
                    doc["_w"][-1] in tokens.get(learner.learner_id, [])
                    for (_, learner, _), doc in zip(writes, docs, strict=True)
                ]
        saved: list[Stored | None] = []
        for (stored, learner, _), doc, ok in zip(writes, docs, landed, strict=True):
            if not ok:
                self._recent.drop(learner.learner_id)
                saved.append(None)
                continue
            now = Stored(learner, stored.version + 1, raw=doc)
            self._recent.put(learner.learner_id, now)
            saved.append(now)
        return saved

    @staticmethod
    def _next_doc(stored: Stored, learner: Learner, events: Sequence[Outgoing]) -> Doc:
        raw = stored.raw or {}
        last = int(raw.get("outbox_last", 0))
        outbox = [*raw.get("outbox", []), *_entries(last, events)]
        # A whole-document replace costs nx-27017 less than an update with operators.
        return {
            "_v": stored.version + 1,
            "_w": [*raw.get("_w", [])[1 - _TOKENS :], secrets.token_hex(8)],
            "learner": learner_to_doc(learner),
            "outbox": outbox,
            "outbox_last": last + len(events),
            "pending": bool(outbox),
        }

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
