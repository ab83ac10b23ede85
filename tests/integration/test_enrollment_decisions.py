"""A consumed batch of decisions, taken by the service over real MongoDB (nx-27017): one
write per learner, and a redelivered batch changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import WriteConcern

from hocvuso.adapters.mongo_learners import MongoLearners
from hocvuso.domain import enrollment as core
from hocvuso.domain import events as ev
from hocvuso.domain.access import Principal
from hocvuso.domain.course import Catalog
from services.enrollment.service import Enrollment, Request
from tests.unit.course_fixture import tiny_course

NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)
PROFILE = core.Profile(
    full_name="Lê Văn Tám", birth_year=1990, category="citizen", commune_code="21025"
)


def graded(learner_id: str, attempt_id: str, correct: int) -> ev.AttemptGraded:
    return ev.AttemptGraded(
        learner_id=learner_id,
        attempt_id=attempt_id,
        course_version=tiny_course().version,
        pool="1",
        correct=correct,
        total=5,
        passed=correct >= 4,
        graded_at=NOW,
    )


def completed(learner_id: str) -> ev.TopicCompleted:
    return ev.TopicCompleted(
        learner_id=learner_id,
        course_version=tiny_course().version,
        topic_number=1,
        completed_at=NOW,
    )


def test_a_batch_of_decisions_is_one_write_per_learner_and_a_redelivery_none(
    fresh_database: Callable[[], Any],
) -> None:
    async def scenario() -> None:
        repo = MongoLearners(fresh_database(), WriteConcern(w="majority", j=True))
        enrollment = Enrollment(
            repo, Catalog([tiny_course()]), core.MasterData({"21025"}, set()), clock=lambda: NOW
        )
        ids: dict[str, str] = {}  # name → learner id
        for name in ("a", "b"):
            caller = Principal(f"acct-{name}", "learner")
            ids[name] = (await enrollment.register(caller, PROFILE, Request()))[0].learner_id
            for attempt_id in ("1", "2"):
                _, attempt, _ = await enrollment.start_attempt(
                    caller, ids[name], "1", f"{name}{attempt_id}"
                )
                every = dict.fromkeys(attempt.question_ids, 0)
                await enrollment.submit(caller, f"{name}{attempt_id}", every)
        a_id, b_id = ids["a"], ids["b"]
        before = {k: (await repo.get(k)).version for k in (a_id, b_id)}  # type: ignore[union-attr]
        batch = [
            graded(a_id, "a1", 2),
            graded(b_id, "b1", 5),
            graded(a_id, "a2", 5),
            completed(a_id),
            graded(a_id, "a1", 2),  # the same result twice in one batch
            graded("nobody", "x1", 5),  # not a learner of ours: ignored, not fatal
        ]
        await enrollment.record(batch)
        after = {k: await repo.get(k) for k in (a_id, b_id)}
        assert {k: s.version - before[k] for k, s in after.items() if s} == {a_id: 1, b_id: 1}
        a = after[a_id]
        assert a is not None and a.learner.completed_topics == {1}
        results = {i: (t.status, t.result) for i, t in a.learner.attempts.items()}
        assert results == {
            "a1": ("graded", core.Result(correct=2, total=5, passed=False)),
            "a2": ("graded", core.Result(correct=5, total=5, passed=True)),
        }
        await enrollment.record(batch)  # redelivered after a crash before the commit
        again = {k: await repo.get(k) for k in (a_id, b_id)}
        assert again == after, "a redelivered batch writes nothing"

    asyncio.run(scenario())
