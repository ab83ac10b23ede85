"""Enrollment's learners in MongoDB: one document per learner, its outbox inside it.

Each account's one learner is bound by the learner document itself: its `account` field
has a unique index, so registering is one insert, and an insert refused as a duplicate
tells a second registration from a first (with the request that made the first).

The documents this process last read or wrote are kept in memory (bounded), so a change
usually costs one round trip, the conditional write: a copy made stale by another
instance fails that write's version check, and the caller reads again with `get`. An
attempt's owner never changes, so it is kept as well (`MongoAttemptOwners`). The relay
acknowledges a batch of documents with one bulk write, not a read and a write each.

Reads, inserts and conditional writes made while one is under way go out together in the
next round trip (`Coalescer`): one `find`, `insert_many` or `bulk_write` for all of them,
each caller still told its own outcome. A bulk write reports only how many documents
matched, so each write also leaves a token in its document; when fewer matched than were
sent, the tokens found tell which writes landed.

Clearing relayed events out of their documents is owed, not paid at once: the next write
of a document leaves them out anyway, so a document changed again within
`ack_delay_seconds` (an answer's grade comes back within a fraction of a second) costs no
write of its own; only the rest are cleared, together, once that long has passed. A crash
before then costs a second publication of those events (same `ce_id`), never a loss.

Relies on exactly these MongoDB features (checked against nx-27017 by the contract suite):
single-document atomic replaces filtered on `_id` and a version field (optimistic
concurrency) in an unordered `bulk_write`, unordered `insert_many` refusing a duplicate
`_id` per document, `$in` and equality queries on an indexed field, a range, a sort and
`$exists` over a plain field, and the collection's write concern (majority and journaled
in production).
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Sequence
from typing import Any

import pymongo
from pymongo import ReplaceOne, UpdateOne, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase

from hocvuso.adapters.coalesce import Coalescer
from hocvuso.adapters.mappers import learner_from_doc, learner_to_doc
from hocvuso.adapters.mongo import insert_new, update_versioned
from hocvuso.adapters.mongo_attempt_owners import MongoAttemptOwners
from hocvuso.adapters.recent import Recent
from hocvuso.adapters.repositories import Account, Outgoing, Pending, Stored
from hocvuso.domain.enrollment import Learner
from hocvuso.events.envelope import decode_payload, encode

Doc = dict[str, Any]
_TOKENS = 4  # the last writes' tokens a document keeps: enough to find one's own
_KEY = "key"  # the document's `_id` again, for the relay's sweep to range over
_ACCOUNT = "account"  # the learner's account, unique: one learner per account
_COMMUNE, _UNIT = "learner.profile.commune_code", "learner.profile.unit_code"  # the lists
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
        ack_delay_seconds: float = 0.0,
        cached_learners: int = 10_000,
    ) -> None:
        concern = write_concern or WriteConcern()
        self.learners = db.get_collection("learners", write_concern=concern)
        self._attempt_owners = MongoAttemptOwners(db, concern, timeout_seconds)
        self._accounts: Recent[str, Account] = Recent(cached_learners)  # bindings never change
        self._recent: Recent[str, Stored] = Recent(cached_learners)
        # Documents whose outbox this process wrote, oldest first: the relay takes them
        # from memory instead of reading them back.
        self._unsent: dict[str, None] = {}
        # Relayed events still in their documents: key → (last relayed seq, since when),
        # oldest first.
        self._owed: dict[str, tuple[int, float]] = {}
        self._ack_delay = ack_delay_seconds
        self._swept_to = ""  # the sweep's place: the last key it read ("": the start)
        self._unkeyed_swept = False
        # A shared round trip runs under no caller's deadline: each has this one instead.
        self._timeout = timeout_seconds
        self._get = Coalescer(self._get_many, timeout=timeout_seconds)
        self._add = Coalescer(self._add_many, timeout=timeout_seconds)
        self._save = Coalescer(self._save_many, timeout=timeout_seconds)
        self._find_accounts = Coalescer(self._accounts_many, timeout=timeout_seconds)

    async def create_indexes(self) -> None:
        await self.learners.create_index("pending")
        # Sparse: learners stored before accounts existed have none.
        await self.learners.create_index(_ACCOUNT, unique=True, sparse=True)
        await self.learners.create_index(_COMMUNE)
        await self.learners.create_index(_UNIT)

    async def get(self, learner_id: str) -> Stored | None:
        return await self._get(learner_id)

    async def recent(self, learner_id: str) -> Stored | None:
        return self._recent.get(learner_id) or await self.get(learner_id)

    async def add(
        self,
        learner: Learner,
        events: Sequence[Outgoing],
        key: str | None = None,
        digest: str | None = None,
    ) -> bool:
        outbox = _entries(0, events)
        doc = {
            "_id": learner.learner_id,
            _KEY: learner.learner_id,
            **_binding(learner.account, key, digest),
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
        added = await insert_new(self.learners, [doc for _, doc in adds], self._timeout)
        for (learner, doc), ok in zip(adds, added, strict=True):
            if ok:
                self._keep(Stored(learner, 1, raw=doc))
                if learner.account is not None:
                    binding = Account(
                        learner.account,
                        learner.learner_id,
                        doc["request_key"],
                        doc["request_digest"],
                    )
                    self._accounts.put(learner.account, binding)
        return added

    async def _save_many(self, writes: Sequence[Write]) -> list[Stored | None]:
        relayed = [self._relayed(learner.learner_id) for _, learner, _ in writes]
        docs = [self._next_doc(*write, upto) for write, upto in zip(writes, relayed, strict=True)]
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
        for (stored, learner, _), doc, ok, upto in zip(writes, docs, landed, relayed, strict=True):
            if not ok:
                self._recent.drop(learner.learner_id)
                saved.append(None)
                continue
            self._paid(learner.learner_id, upto)
            now = Stored(learner, stored.version + 1, raw=doc)
            self._keep(now)
            saved.append(now)
        return saved

    def _keep(self, written: Stored) -> None:
        key = written.learner.learner_id
        self._recent.put(key, written)
        if written.raw["outbox"]:
            self._unsent.setdefault(key, None)

    def _relayed(self, key: str) -> int:
        """The last seq of the document's events known to be on Kafka (0: none owed)."""
        owed = self._owed.get(key)
        return 0 if owed is None else owed[0]

    def _paid(self, key: str, upto: int) -> None:
        """A write that left out the events up to `upto` landed: nothing owed up to there."""
        owed = self._owed.get(key)
        if owed is not None and owed[0] <= upto:
            del self._owed[key]

    @staticmethod
    def _next_doc(
        stored: Stored, learner: Learner, events: Sequence[Outgoing], relayed: int = 0
    ) -> Doc:
        raw = stored.raw or {}
        last = int(raw.get("outbox_last", 0))
        kept = [e for e in raw.get("outbox", []) if e["seq"] > relayed]
        outbox = [*kept, *_entries(last, events)]
        # A whole-document replace costs nx-27017 less than an update with operators.
        return {
            _KEY: learner.learner_id,
            **_binding(learner.account, raw.get("request_key"), raw.get("request_digest")),
            "_v": stored.version + 1,
            "_w": [*raw.get("_w", [])[1 - _TOKENS :], secrets.token_hex(8)],
            "learner": learner_to_doc(learner),
            "outbox": outbox,
            "outbox_last": last + len(events),
            "pending": bool(outbox),
        }

    async def account(self, account: str) -> Account | None:
        return self._accounts.get(account) or await self._find_accounts(account)

    async def _accounts_many(self, accounts: Sequence[str]) -> list[Account | None]:
        with pymongo.timeout(self._timeout):
            docs = self.learners.find({_ACCOUNT: {"$in": list(set(accounts))}})
            found = {
                d[_ACCOUNT]: Account(
                    d[_ACCOUNT], d["_id"], d.get("request_key"), d.get("request_digest")
                )
                async for d in docs
            }
        for binding in found.values():
            self._accounts.put(binding.account, binding)
        return [found.get(account) for account in accounts]

    async def index_attempt(self, attempt_id: str, learner_id: str) -> None:
        await self._attempt_owners.index(attempt_id, learner_id)

    async def owner_of_attempt(self, attempt_id: str) -> str | None:
        return await self._attempt_owners.owner_of(attempt_id)

    async def in_place(
        self, commune: str | None = None, village: str | None = None, units: Sequence[str] = ()
    ) -> list[Learner]:
        wanted = {_COMMUNE: commune, "learner.profile.village": village}
        query: Doc = {field: value for field, value in wanted.items() if value is not None}
        if units:
            query[_UNIT] = {"$in": list(units)}
        with pymongo.timeout(None if self._timeout is None else self._timeout * 4):  # a list
            docs = self.learners.find(query, {"learner": 1})
            return [learner_from_doc(doc["learner"]) async for doc in docs]

    def unsent(self, limit: int) -> list[Pending]:
        """The outboxes this process wrote and has not seen acknowledged, from memory."""
        found: list[Pending] = []
        for key in list(itertools.islice(self._unsent, limit)):
            stored = self._recent.get(key)
            if stored is None or not stored.raw["outbox"]:  # forgotten: the sweep finds it
                del self._unsent[key]
                continue
            relayed = self._relayed(key)
            outbox = [e for e in stored.raw["outbox"] if e["seq"] > relayed]
            if not outbox:  # read back from the database with what was relayed since
                del self._unsent[key]
                continue
            found.append(_pending(key, {**stored.raw, "outbox": outbox}))
        return found

    async def pending(self, limit: int) -> list[Pending]:
        # What `unsent` holds is left to it, and what was relayed and is owed a clearing:
        # read here too, it would be published twice. Under load most pending documents are
        # such, so each sweep reads on from where the last one stopped (in key order)
        # rather than from the start: every document is reached, however many come first.
        # The range is over a copy of `_id`: nx-27017 evaluates a range over `_id` itself
        # by decoding every pending document (~0.3 s for 2,000 under load, every second,
        # holding the database), one over another field in SQLite.
        fields = {"outbox": 1, "outbox_last": 1}
        docs: list[Doc] = []
        if not self._unkeyed_swept:  # once per process: documents written before `key` was
            unkeyed = self.learners.find({"pending": True, _KEY: {"$exists": False}}, fields)
            docs = [doc async for doc in unkeyed.limit(limit)]
            self._unkeyed_swept = len(docs) < limit
        if self._unkeyed_swept:
            cursor = self.learners.find({"pending": True, _KEY: {"$gt": self._swept_to}}, fields)
            keyed = [doc async for doc in cursor.sort(_KEY, 1).limit(limit)]
            self._swept_to = keyed[-1]["_id"] if len(keyed) == limit else ""
            docs += keyed
        return [
            _pending(doc["_id"], doc)
            for doc in docs
            if doc["_id"] not in self._unsent and doc["_id"] not in self._owed
        ]

    async def acknowledge(self, sent: Sequence[Pending]) -> None:
        """The broker has these events: leave them out of what is relayed and written from
        now on, and clear them from the database now or, with a delay, once it is due."""
        now = time.monotonic()
        for p in sent:
            self._forget_sent(p.key, p.last_seq)
            owed = self._owed.get(p.key)
            since = now if owed is None else owed[1]  # the first debt sets the due time
            self._owed[p.key] = (max(p.last_seq, owed[0] if owed else 0), since)
        while self._ack_delay <= 0 and await self.clear_relayed(everything=True):
            pass

    async def clear_relayed(self, everything: bool = False, limit: int = 100) -> int:
        """Clear from their documents the relayed events owed for `ack_delay_seconds`
        (all of them with `everything`), at most `limit` documents a call: a database that
        runs one command at a time (nx-27017) holds requests' writes back for as long as a
        command takes. Returns how many documents were due."""
        due_before = time.monotonic() - self._ack_delay
        due: list[Pending] = []
        for key, (last_seq, since) in self._owed.items():
            if len(due) == limit or (since > due_before and not everything):
                break
            due.append(Pending(key, last_seq, ()))
        if due:
            await self._clear(due)
        for p in due:
            if self._owed.get(p.key, (0, 0.0))[0] == p.last_seq:  # nothing relayed since
                del self._owed[p.key]
        return len(due)

    async def _clear(self, sent: Sequence[Pending]) -> None:
        # Most documents got nothing new since their events were relayed: one bulk write
        # empties all of them, each only if its outbox still ends where it did, leaving the
        # version alone so that no request's conditional write fails for it. The few that
        # another instance changed meanwhile are pruned one by one.
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


def _binding(account: str | None, key: str | None, digest: str | None) -> Doc:
    """The fields that bind a learner to their account (and the request that registered
    them), kept by every write of the learner."""
    if account is None:
        return {}
    return {_ACCOUNT: account, "request_key": key, "request_digest": digest}
