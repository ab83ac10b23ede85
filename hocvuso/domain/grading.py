"""Grading: one learner's state and one incoming event give the next state and the results.

The state holds the progress fold, the attempts that were started (a submission is scored
against the questions its attempt drew) and the outcome of every attempt already decided.
A submission seen again re-emits the stored outcome, so a redelivery after a crash never
loses a result and never grades twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from hocvuso.domain import events as ev
from hocvuso.domain import progress as facts
from hocvuso.domain.course import FINAL_POOL, Catalog, Course
from hocvuso.domain.errors import Unprocessable
from hocvuso.domain.quiz import score

Outcome = ev.AttemptGraded | ev.AttemptRejected


class CannotGrade(Unprocessable):
    """A submission to an attempt never started, or lesson progress the rules refuse."""


@dataclass(frozen=True, slots=True)
class StartedAttempt:
    pool: str
    question_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GradingState:
    progress: facts.Progress
    started: Mapping[str, StartedAttempt] = field(default_factory=dict)
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)


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
    attempt = StartedAttempt(pool=event.pool, question_ids=tuple(event.question_ids))
    return replace(state, started={**state.started, event.attempt_id: attempt})


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
    if state is None or event.attempt_id not in state.started:
        raise CannotGrade(f"submission for unknown attempt {event.attempt_id}")
    course = catalog[state.progress.course_version]
    known = state.outcomes.get(event.attempt_id)
    if known is not None:
        return state, [known, *_quiz_completion(state.progress, course, known, now)]
    progress, outcome = _judge(course, state, event, now)
    outcomes = {**state.outcomes, event.attempt_id: outcome}
    out = [outcome, *_quiz_completion(progress, course, outcome, now)]
    return replace(state, progress=progress, outcomes=outcomes), out


def _judge(
    course: Course, state: GradingState, event: ev.AttemptSubmitted, now: datetime
) -> tuple[facts.Progress, Outcome]:
    """Score the submission and fold it in; a rule the attempt breaks rejects it."""
    started = state.started[event.attempt_id]
    total = len(started.question_ids)
    try:
        correct = score(course, started.question_ids, event.answers)
        fact = facts.AttemptGraded(event.attempt_id, started.pool, correct, total)
        progress = facts.apply(state.progress, fact, course)
    except facts.RuleViolation as rule:
        rejected = ev.AttemptRejected(
            learner_id=event.learner_id,
            attempt_id=event.attempt_id,
            reason=rule.reason,
            rejected_at=now,
        )
        return state.progress, rejected
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
