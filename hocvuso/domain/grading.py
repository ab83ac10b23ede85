"""Grading: one learner's state and one incoming event give the next state and the results.

The state is what the rules need and no more, so that it stays well under a kilobyte per
learner however long they study:

- the progress fold (best percent per lesson, the result of every graded attempt);
- the attempts started and not decided yet, with the questions they drew, at most
  `PENDING_KEPT` of them: only a submission written before submissions carried their pool
  and questions is scored against them (every submission now carries its own);
- the latest outcome, whole, and the reasons of the latest `REJECTED_KEPT` rejections.

A submission seen again is answered again and never graded twice: the latest outcome is
re-emitted as it was; an older graded attempt is re-emitted from its result in the
progress fold and an older rejection from its reason, both with the same id (the attempt's)
and a new timestamp. Redelivery happens within seconds of a crash, long before a learner
could take another attempt, so in practice it is the latest outcome that comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from hocvuso.domain import events as ev
from hocvuso.domain import progress as facts
from hocvuso.domain.course import FINAL_POOL, Catalog, Course
from hocvuso.domain.errors import Unprocessable
from hocvuso.domain.quiz import score

Outcome = ev.AttemptGraded | ev.AttemptRejected
T = TypeVar("T")


class CannotGrade(Unprocessable):
    """A submission to an attempt never started, or lesson progress the rules refuse."""


@dataclass(frozen=True, slots=True)
class StartedAttempt:
    pool: str
    question_ids: tuple[str, ...]


PENDING_KEPT = 8
REJECTED_KEPT = 8


@dataclass(frozen=True, slots=True)
class GradingState:
    progress: facts.Progress
    started: Mapping[str, StartedAttempt] = field(default_factory=dict)  # not decided yet
    latest: Outcome | None = None
    rejected: Mapping[str, str] = field(default_factory=dict)  # attempt id → reason


def new_state(course_version: str) -> GradingState:
    return GradingState(progress=facts.Progress(course_version=course_version))


def grade(
    catalog: Catalog, state: GradingState | None, event: ev.Event, now: datetime
) -> tuple[GradingState | None, list[ev.Event]]:
    """The learner's next state and what to publish; `now` stamps the results."""
    if isinstance(event, ev.LessonProgressed):
        return _lesson(catalog, state or new_state(event.course_version), event, now)
    if isinstance(event, ev.AttemptStarted):
        return _started(state or new_state(event.course_version), event), []
    if isinstance(event, ev.AttemptSubmitted):
        return _submission(catalog, state, event, now)
    return state, []  # another type on a topic we read: nothing to do


def _started(state: GradingState, event: ev.AttemptStarted) -> GradingState:
    if _decided(state, event.attempt_id):
        return state  # a start redelivered after its submission was graded
    attempt = StartedAttempt(pool=event.pool, question_ids=tuple(event.question_ids))
    started = _last(state.started, event.attempt_id, attempt, PENDING_KEPT)
    return replace(state, started=started)


def _decided(state: GradingState, attempt_id: str) -> bool:
    return attempt_id in state.progress.attempts or attempt_id in state.rejected


def _last(items: Mapping[str, T], key: str, value: T, keep: int) -> dict[str, T]:
    """`items` with `key` set to `value`, keeping only the `keep` latest keys."""
    kept = {k: v for k, v in items.items() if k != key}
    kept[key] = value
    return dict(list(kept.items())[-keep:])


def _lesson(
    catalog: Catalog, state: GradingState, event: ev.LessonProgressed, now: datetime
) -> tuple[GradingState, list[ev.Event]]:
    course = catalog[state.progress.course_version]
    fact = facts.LessonProgressed(event.lesson_id, event.percent)
    try:
        progress = facts.apply(state.progress, fact, course)
    except facts.RuleViolation as rule:
        raise CannotGrade(rule.reason) from rule
    topic = course.lesson(event.lesson_id).topic  # type: ignore[union-attr]  # apply checked it
    out = _completion(progress, course, topic, event.learner_id, now)
    return replace(state, progress=progress), out


def _submission(
    catalog: Catalog, state: GradingState | None, event: ev.AttemptSubmitted, now: datetime
) -> tuple[GradingState, list[ev.Event]]:
    if state is None:
        raise CannotGrade(f"submission for unknown attempt {event.attempt_id}")
    course = catalog[state.progress.course_version]
    known = _known_outcome(state, course, event, now)
    if known is not None:
        return state, [known, *_quiz_completion(state.progress, course, known, now)]
    drawn = _drawn(state, event)
    if drawn is None:
        raise CannotGrade(f"submission for unknown attempt {event.attempt_id}")
    progress, outcome = _judge(course, state.progress, drawn, event, now)
    started = {k: v for k, v in state.started.items() if k != event.attempt_id}
    rejected = state.rejected
    if isinstance(outcome, ev.AttemptRejected):
        rejected = _last(rejected, event.attempt_id, outcome.reason, REJECTED_KEPT)
    out = [outcome, *_quiz_completion(progress, course, outcome, now)]
    decided = GradingState(progress, started, latest=outcome, rejected=rejected)
    return decided, out


def _known_outcome(
    state: GradingState, course: Course, event: ev.AttemptSubmitted, now: datetime
) -> Outcome | None:
    """The outcome of an attempt already decided, for a submission seen again."""
    attempt_id, learner_id = event.attempt_id, event.learner_id
    if state.latest is not None and state.latest.attempt_id == attempt_id:
        return state.latest
    result = state.progress.attempts.get(attempt_id)
    if result is not None:
        return ev.AttemptGraded(
            learner_id=learner_id,
            attempt_id=attempt_id,
            course_version=course.version,
            pool=result.pool,
            correct=result.correct,
            total=result.total,
            passed=result.passed,
            graded_at=now,
        )
    reason = state.rejected.get(attempt_id)
    if reason is not None:
        return ev.AttemptRejected(
            learner_id=learner_id, attempt_id=attempt_id, reason=reason, rejected_at=now
        )
    return None


def _drawn(state: GradingState, event: ev.AttemptSubmitted) -> StartedAttempt | None:
    """The attempt's pool and questions: carried by the submission itself (so that a start
    forgotten or never seen costs nothing), or, for a submission written before it carried
    them, remembered from the start."""
    if event.pool is not None and event.question_ids is not None:
        return StartedAttempt(event.pool, tuple(event.question_ids))
    return state.started.get(event.attempt_id)


def _judge(
    course: Course,
    before: facts.Progress,
    started: StartedAttempt,
    event: ev.AttemptSubmitted,
    now: datetime,
) -> tuple[facts.Progress, Outcome]:
    """Score the submission and fold it in; a rule the attempt breaks rejects it."""
    total = len(started.question_ids)
    try:
        correct = score(course, started.question_ids, event.answers)
        fact = facts.AttemptGraded(event.attempt_id, started.pool, correct, total)
        progress = facts.apply(before, fact, course)
    except facts.RuleViolation as rule:
        rejected = ev.AttemptRejected(
            learner_id=event.learner_id,
            attempt_id=event.attempt_id,
            reason=rule.reason,
            rejected_at=now,
        )
        return before, rejected
    graded = ev.AttemptGraded(
        learner_id=event.learner_id,
        attempt_id=event.attempt_id,
        course_version=course.version,
        pool=started.pool,
        correct=correct,
        total=total,
        passed=course.rules.passes(started.pool, correct),
        graded_at=now,
    )
    return progress, graded


def _quiz_completion(
    progress: facts.Progress, course: Course, outcome: Outcome, now: datetime
) -> list[ev.Event]:
    if not isinstance(outcome, ev.AttemptGraded) or outcome.pool == FINAL_POOL:
        return []
    return _completion(progress, course, int(outcome.pool), outcome.learner_id, now)


def _completion(
    progress: facts.Progress, course: Course, topic: int, learner_id: str, now: datetime
) -> list[ev.Event]:
    # Emitted whenever an event touches a completed topic, not only on the first
    # transition: a redelivered event must be able to re-send a lost completion.
    # Stats counts a (learner, topic) pair once, however often it hears of it.
    if not progress.topic_completed(course, topic):
        return []
    completed = ev.TopicCompleted(
        learner_id=learner_id,
        course_version=course.version,
        topic_number=topic,
        completed_at=now,
    )
    return [completed]
