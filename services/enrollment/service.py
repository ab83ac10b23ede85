"""Enrollment's service layer: load the learner, let the core decide, store the decision
together with the events it announces, and wake the relay. No course rule lives here."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hocvuso.adapters.metrics import IGNORED_DECISIONS
from hocvuso.adapters.mongo import ConcurrentUpdate
from hocvuso.adapters.repositories import LearnerRepository, Outgoing, Stored
from hocvuso.domain import access
from hocvuso.domain import enrollment as core
from hocvuso.domain.access import Principal
from hocvuso.domain.course import Catalog, Course
from hocvuso.domain.events import Event
from hocvuso.domain.progress import RuleViolation
from hocvuso.events.envelope import event_id

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Command = Callable[[core.Learner], core.Decision]
_ATTEMPTS = 20


class LearnerNotFound(LookupError):
    pass


class AttemptNotFound(LookupError):
    pass


class UnitNotFound(LookupError):
    pass


class IdempotencyConflict(ValueError):
    """An Idempotency-Key used again by the same caller for a different request."""


@dataclass(frozen=True, slots=True)
class Request:
    """How a create was asked for: the caller's Idempotency-Key and a digest of the body."""

    key: str | None = None
    digest: str | None = None


def outgoing(events: list[Event]) -> list[Outgoing]:
    """Each event gets its id once, when accepted, so every re-publication carries it."""
    return [
        Outgoing(event_id(e, *e.identity()) if e.identity() else str(uuid.uuid4()), e)
        for e in events
    ]


class Enrollment:
    def __init__(
        self,
        learners: LearnerRepository,
        catalog: Catalog,
        master: core.Places,
        on_stored: Callable[[], None] = lambda: None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.learners = learners
        self.catalog = catalog
        self._master = master
        self._on_stored = on_stored
        self._clock = clock

    def course_of(self, learner: core.Learner) -> Course:
        return self.catalog[learner.course_version]

    def subject(self, learner: core.Learner) -> access.Subject:
        """What deciding who may act on this learner needs to know of them."""
        profile = learner.profile
        units = access.lineage(profile.unit_code, self._master.unit_parents)
        return access.Subject(learner.account, profile.commune_code, units)

    async def register(
        self, caller: Principal, profile: core.Profile, request: Request
    ) -> tuple[core.Learner, bool]:
        """The caller's learner and whether this call created them (False: an earlier
        call did; what this one asked differently is ignored — a move is its own call)."""
        return await self._register(caller.account, profile, request)

    def check_staff_list(self, caller: Principal, unit_code: str) -> None:
        """The unit exists and the caller answers for its staff (403 before any row)."""
        if unit_code not in self._master.units:
            raise UnitNotFound(unit_code)
        units = access.lineage(unit_code, self._master.unit_parents)
        access.check(caller, access.Action.REGISTER_STAFF, access.Subject(None, "", units))

    async def register_staff(
        self, caller: Principal, unit_code: str, account: str, profile: core.Profile
    ) -> tuple[core.Learner, bool]:
        """A unit manager registers one of their staff (of `unit_code` or a unit below
        it), who later acts with their own account's token; again, it changes nothing."""
        units = access.lineage(profile.unit_code, self._master.unit_parents)
        if unit_code not in units:
            raise RuleViolation(
                f"unit {profile.unit_code!r} is not {unit_code!r} nor a unit below it",
                "unit_not_below",
            )
        subject = access.Subject(None, profile.commune_code, units)
        access.check(caller, access.Action.REGISTER_STAFF, subject)
        return await self._register(account, profile, Request(), registered_by=caller.account)

    async def _register(
        self,
        account: str,
        profile: core.Profile,
        request: Request,
        registered_by: str | None = None,
    ) -> tuple[core.Learner, bool]:
        now = self._clock()
        course = self.catalog.in_force_at(now)
        profile = core.check_registration(profile, self._master, course, now)
        # Insert first: a new account's registration is one write, which the account's
        # unique binding refuses when the account has a learner already.
        learner, events = core.register(
            uuid.uuid4().hex,
            profile,
            self._master,
            course,
            now,
            account=account,
            registered_by=registered_by,
        )
        if await self.learners.add(learner, outgoing(events), request.key, request.digest):
            self._on_stored()
            return learner, True
        bound = await self.learners.account(account)
        if bound is None:  # bindings are never removed: the refusal was not the account's
            raise ConcurrentUpdate(f"account {account}: registration refused, not bound")
        if request.key is not None and request.key == bound.key and request.digest != bound.digest:
            raise IdempotencyConflict(request.key)
        return await self._learner(bound.learner_id), False

    async def own_learner(self, caller: Principal) -> core.Learner:
        bound = await self.learners.account(caller.account)
        if bound is None:
            raise LearnerNotFound(f"account {caller.account}")
        return await self.learner(caller, bound.learner_id)

    async def learner(self, caller: Principal, learner_id: str) -> core.Learner:
        learner = await self._learner(learner_id)
        access.check(caller, access.Action.READ_LEARNER, self.subject(learner))
        return learner

    async def _learner(self, learner_id: str) -> core.Learner:
        stored = await self.learners.get(learner_id)
        if stored is None:
            raise LearnerNotFound(learner_id)
        return stored.learner

    async def move(
        self, caller: Principal, learner_id: str, changes: Mapping[str, str | None]
    ) -> core.Learner:
        now = self._clock()

        def move(it: core.Learner) -> core.Decision:
            access.check(caller, access.Action.MOVE, self.subject(it))
            return core.move(it, changes, self._master, caller.account, now)

        return await self._change(learner_id, move)

    async def confirm_staff(self, caller: Principal, unit_code: str, account: str) -> core.Learner:
        bound = await self.learners.account(account)
        if bound is None:
            raise LearnerNotFound(f"account {account}")
        now = self._clock()

        def confirm(it: core.Learner) -> core.Decision:
            access.check(caller, access.Action.CONFIRM_STAFF, self.subject(it))
            return core.confirm_unit(it, unit_code, caller.account, now)

        return await self._change(bound.learner_id, confirm)

    def _studying(self, caller: Principal, learner: core.Learner) -> None:
        access.check(caller, access.Action.STUDY, self.subject(learner))

    async def report_lesson(
        self, caller: Principal, learner_id: str, lesson_id: str, percent: int
    ) -> core.Learner:
        now = self._clock()

        def report(it: core.Learner) -> core.Decision:
            self._studying(caller, it)
            return core.report_lesson(it, self.course_of(it), lesson_id, percent, now)

        return await self._change(learner_id, report)

    async def start_attempt(
        self, caller: Principal, learner_id: str, pool: str, attempt_id: str
    ) -> tuple[Course, core.Attempt, bool]:
        """The attempt and whether this call opened it (False: an earlier call did)."""
        before = await self._learner(learner_id)
        self._studying(caller, before)
        earlier = before.attempts.get(attempt_id)
        if earlier is not None and earlier.pool != pool:
            raise IdempotencyConflict(attempt_id)
        now = self._clock()
        await self.learners.index_attempt(attempt_id, learner_id)

        def start(it: core.Learner) -> core.Decision:
            self._studying(caller, it)
            return core.start_attempt(it, self.course_of(it), pool, attempt_id, now)

        learner = await self._change(learner_id, start)
        attempt = learner.attempts[attempt_id]
        if attempt.pool != pool:  # the same key raced with a different request
            raise IdempotencyConflict(attempt_id)
        return self.course_of(learner), attempt, earlier is None

    async def submit(
        self, caller: Principal, attempt_id: str, answers: Mapping[str, int]
    ) -> core.Attempt:
        learner_id = await self._owner(attempt_id)
        now = self._clock()

        def submit(it: core.Learner) -> core.Decision:
            self._studying(caller, it)
            return core.submit_answers(it, self.course_of(it), attempt_id, answers, now)

        learner = await self._change(learner_id, submit)
        return learner.attempts[attempt_id]

    def now(self) -> datetime:
        return self._clock()

    async def attempt(
        self, caller: Principal, attempt_id: str
    ) -> tuple[core.Learner, core.Attempt]:
        learner = await self.learner(caller, await self._owner(attempt_id))
        attempt = learner.attempts.get(attempt_id)
        if attempt is None:  # indexed by a start that never got stored
            raise AttemptNotFound(attempt_id)
        return learner, attempt

    async def record(self, events: Sequence[Event]) -> None:
        """Take the decisions other services published about our learners: each learner's
        in one change (one write), the learners concurrently. A decision taken before is
        taken again without effect, so a redelivered batch changes nothing."""
        by_learner: dict[str, list[Event]] = {}
        for event in events:
            by_learner.setdefault(event.learner_id, []).append(event)
        known = await asyncio.gather(*(self._record(k, v) for k, v in by_learner.items()))
        unknown = [k for k, found in zip(by_learner, known, strict=True) if not found]
        if unknown:  # not registered here: nothing of ours to update
            ignored = sum(len(by_learner[k]) for k in unknown)
            IGNORED_DECISIONS.labels("enrollment").inc(ignored)
            log.warning(
                "%d decisions about %d unknown learners ignored, first %s",
                ignored,
                len(unknown),
                unknown[0],
            )

    async def _record(self, learner_id: str, events: list[Event]) -> bool:
        """Whether the learner is known here."""

        def take_all(learner: core.Learner) -> core.Decision:
            return functools.reduce(core.record, events, learner), []

        try:
            await self._change(learner_id, take_all)
        except LearnerNotFound:
            return False
        return True

    async def _owner(self, attempt_id: str) -> str:
        owner = await self.learners.owner_of_attempt(attempt_id)
        if owner is None:
            raise AttemptNotFound(attempt_id)
        return owner

    async def _change(self, learner_id: str, command: Command) -> core.Learner:
        """Apply `command` to the stored learner with optimistic concurrency: of two
        concurrent changes, the second is decided again on what the first stored."""
        # The first decision is taken on the copy this process may hold (no round trip);
        # only a write proves it current, so a refusal or a no-op is decided again on a
        # fresh read, as is a write that lost the race.
        read = self.learners.recent
        for attempt in range(_ATTEMPTS):
            stored = await read(learner_id)
            read = self.learners.get
            if stored is None:
                raise LearnerNotFound(learner_id)
            try:
                learner, events = command(stored.learner)
            except RuleViolation:
                if attempt == 0:
                    continue
                raise
            if not events and learner == stored.learner:
                if attempt == 0:
                    continue
                return learner
            if await self._save(stored, learner, events):
                return learner
        raise ConcurrentUpdate(f"learner {learner_id}: too many concurrent changes")

    async def _save(self, stored: Stored, learner: core.Learner, events: list[Event]) -> bool:
        if await self.learners.save(stored, learner, outgoing(events)) is None:
            return False
        if events:
            self._on_stored()
        return True
