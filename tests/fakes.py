"""In-memory stand-ins for the storage ports, held to the same contract as MongoDB: the
suites in tests/integration/ run the same assertions against both."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from hocvuso.adapters.repositories import Account, Outgoing, Pending, Stored
from hocvuso.domain.counters import COUNT_FIELDS, Counts, empty_counts
from hocvuso.domain.enrollment import Learner


class MemoryLearners:
    def __init__(self) -> None:
        self.docs: dict[str, tuple[int, Learner, list[tuple[int, Outgoing]], int]] = {}
        self.owners: dict[str, str] = {}
        self.accounts: dict[str, Account] = {}

    async def get(self, learner_id: str) -> Stored | None:
        doc = self.docs.get(learner_id)
        return None if doc is None else Stored(doc[1], doc[0])

    async def in_place(
        self, commune: str | None = None, village: str | None = None, units: Sequence[str] = ()
    ) -> list[Learner]:
        found = [learner for _, learner, _, _ in self.docs.values()]
        return [
            le
            for le in found
            if (commune is None or le.profile.commune_code == commune)
            and (village is None or le.profile.village == village)
            and (not units or le.profile.unit_code in units)
        ]

    async def recent(self, learner_id: str) -> Stored | None:
        return await self.get(learner_id)

    async def add(
        self,
        learner: Learner,
        events: Sequence[Outgoing],
        key: str | None = None,
        digest: str | None = None,
    ) -> bool:
        if learner.learner_id in self.docs or learner.account in self.accounts:
            return False
        if learner.account is not None:
            self.accounts[learner.account] = Account(
                learner.account, learner.learner_id, key, digest
            )
        outbox = list(enumerate(events, start=1))
        self.docs[learner.learner_id] = (1, learner, outbox, len(outbox))
        return True

    async def save(
        self, stored: Stored, learner: Learner, events: Sequence[Outgoing]
    ) -> Stored | None:
        version, _, outbox, last = self.docs[learner.learner_id]
        if version != stored.version:
            return None
        added = [(last + i, e) for i, e in enumerate(events, start=1)]
        self.docs[learner.learner_id] = (version + 1, learner, outbox + added, last + len(events))
        return Stored(learner, version + 1)

    async def account(self, account: str) -> Account | None:
        return self.accounts.get(account)

    async def create_indexes(self) -> None:
        """Nothing to create: `add` keeps one learner per account itself."""

    async def index_attempt(self, attempt_id: str, learner_id: str) -> None:
        self.owners[attempt_id] = learner_id

    async def owner_of_attempt(self, attempt_id: str) -> str | None:
        return self.owners.get(attempt_id)

    def unsent(self, limit: int) -> list[Pending]:
        return []  # one store, shared by every "process": all of it is the database's

    async def pending(self, limit: int) -> list[Pending]:
        found = [
            Pending(key, last, [copy.copy(e) for _, e in outbox])
            for key, (_, _, outbox, last) in self.docs.items()
            if outbox
        ]
        return found[:limit]

    async def acknowledge(self, sent: Sequence[Pending]) -> None:
        for p in sent:
            version, learner, outbox, last = self.docs[p.key]
            left = [(seq, e) for seq, e in outbox if seq > p.last_seq]
            self.docs[p.key] = (version, learner, left, last)

    async def clear_relayed(self, everything: bool = False) -> int:
        return 0  # acknowledged is cleared at once here

    async def count_pending(self) -> int:
        return sum(1 for _, _, outbox, _ in self.docs.values() if outbox)


class MemoryCertificates:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def issue_once(self, certificate: dict[str, Any]) -> dict[str, Any]:
        return self.docs.setdefault(certificate["_id"], certificate)

    async def get(self, certificate_id: str) -> dict[str, Any] | None:
        return self.docs.get(certificate_id)


class MemoryCounters:
    """Stats' read model in memory; publish number `fail_on` fails, as a database may."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.fail_on = fail_on
        self.publishes = 0
        self.counters: dict[tuple[str, int], tuple[int, Counts]] = {}
        self.history: dict[tuple[str, int, int], Counts] = {}  # (scope, partition, second)

    async def create_indexes(self) -> None:
        return None

    async def publish(
        self,
        partition: int,
        scopes: Mapping[str, Counts],
        upto: int,
        history: Mapping[tuple[str, int], Counts] | None = None,
    ) -> None:
        self.publishes += 1
        if self.publishes == self.fail_on:
            raise ConnectionError("database went away")
        for (scope, second), counts in (history or {}).items():
            self.history[(scope, partition, second)] = dict(counts)
        for scope, counts in scopes.items():
            stored = self.counters.get((scope, partition))
            if stored is None or stored[0] <= upto:
                self.counters[(scope, partition)] = (upto, dict(counts))

    async def totals(self, scope: str) -> Counts:
        totals = empty_counts()
        for (name, _), (_, counts) in self.counters.items():
            if name == scope:
                for field in COUNT_FIELDS:
                    totals[field] += counts[field]
        return totals

    async def totals_as_of(self, scope: str, second: int) -> Counts:
        latest: dict[int, tuple[int, Counts]] = {}
        for (name, partition, at), counts in self.history.items():
            if name == scope and at <= second and at >= latest.get(partition, (-1, {}))[0]:
                latest[partition] = (at, counts)
        totals = empty_counts()
        for _, counts in latest.values():
            for field in COUNT_FIELDS:
                totals[field] += counts[field]
        return totals
