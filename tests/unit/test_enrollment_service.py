"""The service layer over the in-memory repository: stored together, decided once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hocvuso.adapters.metrics import IGNORED_DECISIONS
from hocvuso.adapters.repositories import Stored
from hocvuso.domain import enrollment as core
from hocvuso.domain import events as ev
from hocvuso.domain.access import Principal
from hocvuso.domain.course import Catalog
from hocvuso.domain.progress import RuleViolation
from services.enrollment.service import Enrollment, Request
from tests.fakes import MemoryLearners
from tests.unit.course_fixture import tiny_course

NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)
ME = Principal("acct-1", "learner")
MASTER = core.MasterData(communes={"21025"}, units=set())


class SlowMemoryLearners(MemoryLearners):
    """Hands control to the event loop between reading and writing, as a database does."""

    async def get(self, learner_id: str):  # type: ignore[no-untyped-def]
        found = await super().get(learner_id)
        await asyncio.sleep(0)
        return found


def service(repo: MemoryLearners) -> tuple[Enrollment, list[int]]:
    wakes: list[int] = []
    enrollment = Enrollment(
        repo, Catalog([tiny_course()]), MASTER, on_stored=lambda: wakes.append(1), clock=lambda: NOW
    )
    return enrollment, wakes


def test_concurrent_submissions_of_one_attempt_accept_exactly_one() -> None:
    repo = SlowMemoryLearners()
    enrollment, _ = service(repo)

    async def scenario() -> tuple[list[object], str]:
        profile = core.Profile(
            full_name="An", birth_year=1990, category="citizen", commune_code="21025"
        )
        lid = (await enrollment.register(ME, profile, Request()))[0].learner_id
        _, attempt, _ = await enrollment.start_attempt(ME, lid, "1", "a1")
        question = attempt.question_ids[0]
        rest = dict.fromkeys(attempt.question_ids, 0)
        results = await asyncio.gather(
            *(enrollment.submit(ME, "a1", {**rest, question: c}) for c in range(4)),
            return_exceptions=True,
        )
        return results, lid

    results, lid = asyncio.run(scenario())
    accepted = [r for r in results if isinstance(r, core.Attempt)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(accepted) == 1 and len(refused) == 3
    assert all(r.rule == "already_submitted" for r in refused)
    stored = asyncio.run(repo.get(lid))
    assert stored is not None
    (pending,) = asyncio.run(repo.pending(10))
    submitted = [o.event for o in pending.events if o.event.type_name.endswith("submitted.v1")]
    assert len(submitted) == 1, "one accepted submission, one event"
    assert submitted[0].answers == stored.learner.attempts["a1"].answers  # type: ignore[attr-defined]


def test_every_stored_change_wakes_the_relay_and_a_no_op_does_not() -> None:
    enrollment, wakes = service(MemoryLearners())

    async def scenario() -> None:
        profile = core.Profile(
            full_name="An", birth_year=1990, category="citizen", commune_code="21025"
        )
        lid = (await enrollment.register(ME, profile, Request()))[0].learner_id
        await enrollment.report_lesson(ME, lid, "t1-l1", 50)
        await enrollment.report_lesson(ME, lid, "t1-l1", 20)  # improves nothing

    asyncio.run(scenario())
    assert len(wakes) == 2


def test_an_account_registering_twice_even_at_once_gets_its_first_learner() -> None:
    repo = SlowMemoryLearners()
    enrollment, _ = service(repo)

    async def scenario() -> list[tuple[core.Learner, bool]]:
        first = core.Profile(
            full_name="An", birth_year=1990, category="citizen", commune_code="21025"
        )
        second = core.Profile(
            full_name="Bn", birth_year=1990, category="citizen", commune_code="21025"
        )
        together = await asyncio.gather(
            enrollment.register(ME, first, Request()), enrollment.register(ME, second, Request())
        )
        return [*together, await enrollment.register(ME, second, Request())]

    answers = asyncio.run(scenario())
    assert len({learner.learner_id for learner, _ in answers}) == 1
    assert [created for _, created in answers].count(True) == 1
    assert {learner.profile.full_name for learner, _ in answers} == {"An"}
    assert len(repo.docs) == 1 and len(asyncio.run(repo.pending(10))[0].events) == 1


def test_a_refused_registration_binds_nothing_so_the_corrected_retry_goes_through() -> None:
    enrollment, _ = service(MemoryLearners())
    key = Request("form-1", "digest-of-the-wrong-body")

    async def scenario() -> core.Learner:
        wrong = core.Profile(
            full_name="An", birth_year=1990, category="citizen", commune_code="99999"
        )
        with pytest.raises(RuleViolation):
            await enrollment.register(ME, wrong, key)
        right = core.Profile(
            full_name="An", birth_year=1990, category="citizen", commune_code="21025"
        )
        learner, created = await enrollment.register(ME, right, Request("form-1", "other"))
        assert created
        return learner

    assert asyncio.run(scenario()).account == ME.account


class StaleMemoryLearners(MemoryLearners):
    """`recent` answers with a copy taken earlier, as after another instance's write."""

    def __init__(self) -> None:
        super().__init__()
        self.frozen: dict[str, Stored] = {}

    async def recent(self, learner_id: str) -> Stored | None:
        return self.frozen.get(learner_id) or await self.get(learner_id)


def test_a_refusal_or_a_no_op_on_a_stale_copy_is_decided_again_on_a_fresh_read() -> None:
    repo = StaleMemoryLearners()
    enrollment, _ = service(repo)

    async def scenario() -> None:
        profile = core.Profile(
            full_name="An", birth_year=1990, category="citizen", commune_code="21025"
        )
        lid = (await enrollment.register(ME, profile, Request()))[0].learner_id
        lesson = tiny_course().topics[0].lessons[0].id
        await enrollment.report_lesson(ME, lid, lesson, 50)
        repo.frozen[lid] = await repo.get(lid)  # type: ignore[assignment]
        await enrollment.report_lesson(ME, lid, lesson, 80)
        await enrollment.start_attempt(ME, lid, "1", "a1")  # its first write is refused
        # The stale copy knows no attempt a1 (a refusal) and a 50 for the lesson (a no-op):
        # both answers come from the fresh read.
        every = dict.fromkeys(repo.docs[lid][1].attempts["a1"].question_ids, 0)
        assert (await enrollment.submit(ME, "a1", every)).status == "submitted"
        assert (await enrollment.report_lesson(ME, lid, lesson, 50)).lessons[lesson] == 80

    asyncio.run(scenario())


def test_decisions_about_an_unknown_learner_are_counted_not_applied() -> None:
    repo = MemoryLearners()
    enrollment, wakes = service(repo)
    ignored = IGNORED_DECISIONS.labels("enrollment")
    before = ignored._value.get()
    graded = ev.AttemptGraded(
        learner_id="nobody",
        attempt_id="a",
        course_version="t1",
        pool="1",
        correct=5,
        total=5,
        passed=True,
        graded_at=NOW,
    )
    asyncio.run(enrollment.record([graded, graded]))
    assert ignored._value.get() == before + 2
    assert repo.docs == {} and wakes == []
