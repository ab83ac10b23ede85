"""The storage ports: enrollment's learners and outbox, certs' certificates, stats' counters.

A learner, the attempts they took and the events not yet on Kafka live in one document, so
one atomic write records a decision and what it announces: nothing is published that was
not stored, and nothing stored goes unannounced (docs/decisions/0007-outbox.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hocvuso.domain.counters import Counts
from hocvuso.domain.enrollment import Learner
from hocvuso.domain.events import Event


@dataclass(frozen=True, slots=True)
class Stored:
    """A learner as read, with the version a conditional write must still find."""

    learner: Learner
    version: int
    raw: Any = field(default=None, compare=False, repr=False)  # the adapter's own copy


@dataclass(frozen=True, slots=True)
class Outgoing:
    ce_id: str
    event: Event


@dataclass(frozen=True, slots=True)
class Pending:
    """A document's events awaiting the relay, up to and including `last_seq`."""

    key: str
    last_seq: int
    events: Sequence[Outgoing]


@dataclass(frozen=True, slots=True)
class Account:
    """An account's one learner, and the request that first registered it (its
    idempotency key and a digest of its body, to tell a retry from a different request)."""

    account: str
    learner_id: str
    key: str | None = None
    digest: str | None = None


class LearnerRepository(Protocol):
    async def get(self, learner_id: str) -> Stored | None:
        """The learner as stored now."""

    async def recent(self, learner_id: str) -> Stored | None:
        """The learner, possibly as this process last saw it: good enough to decide a
        change on, since `save` refuses a stale copy, but not to answer a read."""

    async def add(
        self,
        learner: Learner,
        events: Sequence[Outgoing],
        key: str | None = None,
        digest: str | None = None,
    ) -> bool:
        """Store a new learner, bound to `learner.account` with the request that registered
        it (`key`, `digest`); False when the id is taken or the account has a learner
        already (an earlier one wins, a race included; nothing is written)."""

    async def save(
        self, stored: Stored, learner: Learner, events: Sequence[Outgoing]
    ) -> Stored | None:
        """Replace `stored` if nobody changed it since it was read, returning what is now
        stored; None otherwise (nothing is written)."""

    async def account(self, account: str) -> Account | None:
        """The learner bound to this account, if any."""

    async def index_attempt(self, attempt_id: str, learner_id: str) -> None:
        """Remember whose attempt this is (idempotent; an entry may outlive a failed save)."""

    async def owner_of_attempt(self, attempt_id: str) -> str | None: ...

    async def in_place(
        self, commune: str | None = None, village: str | None = None, units: Sequence[str] = ()
    ) -> list[Learner]:
        """The learners of a commune (of one of its villages) or of any of these units."""


class OutboxStore(Protocol):
    def unsent(self, limit: int) -> list[Pending]:
        """What this process stored and has not seen acknowledged, without a read."""

    async def pending(self, limit: int) -> list[Pending]:
        """What the database holds unsent, but for what `unsent` would give."""

    async def acknowledge(self, sent: Sequence[Pending]) -> None:
        """Forget each document's events up to its `last_seq`: the broker has them. They
        are never relayed again by this process; clearing them from the database may wait
        for `clear_relayed`."""

    async def clear_relayed(self, everything: bool = False) -> int:
        """Clear from the database the acknowledged events whose clearing is due (all with
        `everything`); returns how many documents were cleared."""

    async def count_pending(self) -> int: ...


Document = dict[str, Any]


class CertificateStore(Protocol):
    async def issue_once(self, certificate: Document) -> Document:
        """Store the certificate unless one with its id exists; return the stored one, so
        a retry gets back exactly what was signed first."""

    async def get(self, certificate_id: str) -> Document | None: ...


class CounterStore(Protocol):
    """The read model: per partition, the absolute scope counters as of a checkpoint."""

    async def create_indexes(self) -> None: ...

    async def publish(
        self,
        partition: int,
        scopes: Mapping[str, Counts],
        upto: int,
        history: Mapping[tuple[str, int], Counts] | None = None,
    ) -> None:
        """Store these counters unless the partition's stored ones are further along
        (`upto`: how far into the partition's input they are), and the history noted:
        (scope, second) → the counts at the end of that second."""

    async def totals(self, scope: str) -> Counts:
        """The sum over every partition."""

    async def totals_as_of(self, scope: str, second: int) -> Counts:
        """The sum over every partition as of the end of `second` (epoch, log time)."""
