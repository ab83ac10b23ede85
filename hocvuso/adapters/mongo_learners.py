"""Enrollment's learners in MongoDB: one document per learner, its outbox inside it.

The documents this process last read or wrote are kept in memory (bounded), so a change
usually costs one round trip, the conditional write: a copy made stale by another
instance fails that write's version check, and the caller reads again with `get`. An
attempt's owner never changes, so it is kept as well. The relay acknowledges a batch of
documents with one bulk write, not a read and a write each.

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

import itertools
import secrets
from collections.abc import Sequence
from typing import Any

import pymongo
from pymongo import ReplaceOne, UpdateOne, WriteConcern
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


def _pending(key: str, doc: Doc) -> Pending:
    events = [
        Outgoing(e["ce_id"], decode_payload(e["type"], e["body"].encode())) for e in doc["outbox"]
    ]
    return Pending(key=key, last_seq=int(doc["outbox_last"]), events=events)


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
        # Documents whose outbox this process wrote, oldest first: the relay takes them
        # from memory instead of reading them back.
        self._unsent: dict[str, None] = {}
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
        return await self._add((learner, doc))

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

    async def _add_many(self, adds: Sequence[tuple[Learner, Doc]]) -> list[bool]:
        docs = [doc for _, doc in adds]
        taken: set[int] = set()
        try:
            with pymongo.timeout(self._timeout):
                await self.learners.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                raise
            taken = {int(e["index"]) for e in errors}
        added = [i not in taken for i in range(len(docs))]
        for (learner, doc), ok in zip(adds, added, strict=True):
            if ok:
                self._keep(Stored(learner, 1, raw=doc))
        return added

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
            self._keep(now)
            saved.append(now)
        return saved

    def _keep(self, written: Stored) -> None:
        key = written.learner.learner_id
        self._recent.put(key, written)
        if written.raw["outbox"]:
            self._unsent.setdefault(key, None)

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

    def unsent(self, limit: int) -> list[Pending]:
        """The outboxes this process wrote and has not seen acknowledged, from memory."""
        found: list[Pending] = []
        for key in list(itertools.islice(self._unsent, limit)):
            stored = self._recent.get(key)
            if stored is None or not stored.raw["outbox"]:  # forgotten: the sweep finds it
                del self._unsent[key]
                continue
            found.append(_pending(key, stored.raw))
        return found

    async def pending(self, limit: int) -> list[Pending]:
        # What `unsent` holds is left to it: read here too, it would be published twice.
        cursor = self.learners.find({"pending": True}, {"outbox": 1, "outbox_last": 1}).limit(limit)
        return [_pending(doc["_id"], doc) async for doc in cursor if doc["_id"] not in self._unsent]

    async def acknowledge(self, sent: Sequence[Pending]) -> None:
        # Most documents got nothing new since the relay read them: one bulk write empties
        # all of them, each only if its outbox still ends where it did, leaving the version
        # alone so that no request's conditional write fails for it. The few that did get
        # more are pruned one by one.
        if not sent:
            return
        emptied = await self.learners.bulk_write(
            [
                UpdateOne(
                    {"_id": p.key, "outbox_last": p.last_seq},
                    {"$set": {"outbox": [], "pending": False}},
                )
                for p in sent
            ],
            ordered=False,
        )
        if emptied.matched_count < len(sent):
            last_of = {p.key: p.last_seq for p in sent}
            grown = self.learners.find(
                {"_id": {"$in": list(last_of)}, "pending": True}, {"outbox_last": 1}
            )
            async for doc in grown:
                if int(doc["outbox_last"]) > last_of[doc["_id"]]:
                    await self._prune(doc["_id"], last_of[doc["_id"]])
        for p in sent:
            self._forget_sent(p.key, p.last_seq)

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
        left = []
        if stored is not None:
            left = [e for e in stored.raw["outbox"] if e["seq"] > last_seq]
            raw = {**stored.raw, "outbox": left, "pending": bool(left)}
            self._recent.put(key, Stored(stored.learner, stored.version, raw=raw))
        if not left:
            self._unsent.pop(key, None)

    async def count_pending(self) -> int:
        return int(await self.learners.count_documents({"pending": True}))
