"""Grading as a pure function of one learner's state and one incoming event.

The state is a plain dict (so it fits a faust table): the progress fold, the attempts
that were started, and the outcome of every attempt already graded. A submission seen
again re-emits the stored outcome, so a redelivery after a crash never loses a result
and never grades twice.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from hocvuso.adapters.mappers import progress_from_dict, progress_to_dict
from hocvuso.domain import events as ev
from hocvuso.domain import progress as facts
from hocvuso.domain.course import FINAL_POOL, Catalog
from hocvuso.domain.quiz import score

State = dict


class CannotGrade(ValueError):
    """The event cannot be processed at all; it belongs on the dead-letter topic."""


def new_state(course_version: str) -> State:
    progress = facts.Progress(course_version=course_version)
    return {"progress": progress_to_dict(progress), "started": {}, "outcomes": {}}


class Grader:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def handle(
        self, state: State | None, event: ev.Event, now: datetime
    ) -> tuple[State | None, list[ev.Event]]:
        if isinstance(event, ev.LessonProgressed):
            state = state or new_state(event.course_version)
            return self._lesson(state, event, now)
        if isinstance(event, ev.AttemptStarted):
            state = state or new_state(event.course_version)
            started = {event.attempt_id: {"pool": event.pool, "questions": event.question_ids}}
            return {**state, "started": {**state["started"], **started}}, []
        if isinstance(event, ev.AttemptSubmitted):
            if state is None or event.attempt_id not in state["started"]:
                raise CannotGrade(f"submission for unknown attempt {event.attempt_id}")
            return self._submission(state, event, now)
        return state, []  # another type on a topic we read: nothing to do

    def _lesson(self, state: State, event: ev.LessonProgressed, now: datetime):
        progress, course = self._progress(state)
        try:
            updated = facts.apply(
                progress, facts.LessonProgressed(event.lesson_id, event.percent), course
            )
        except facts.RuleViolation as rule:
            raise CannotGrade(rule.reason) from rule
        topic = course.lesson(event.lesson_id).topic  # type: ignore[union-attr]
        out = self._completion(updated, course, topic, event.learner_id, now)
        return {**state, "progress": progress_to_dict(updated)}, out

    def _submission(self, state: State, event: ev.AttemptSubmitted, now: datetime):
        known = state["outcomes"].get(event.attempt_id)
        if known is not None:
            return state, [_outcome_event(known)]
        progress, course = self._progress(state)
        started = state["started"][event.attempt_id]
        pool = started["pool"]
        try:
            correct = score(course, started["questions"], event.answers)
            total = len(started["questions"])
            progress = facts.apply(
                progress, facts.AttemptGraded(event.attempt_id, pool, correct, total), course
            )
        except facts.RuleViolation as rule:
            outcome = ev.AttemptRejected(
                learner_id=event.learner_id,
                attempt_id=event.attempt_id,
                reason=rule.reason,
                rejected_at=now,
            )
            return _remember(state, outcome), [outcome]
        outcome = ev.AttemptGraded(
            learner_id=event.learner_id,
            attempt_id=event.attempt_id,
            course_version=course.version,
            pool=pool,
            correct=correct,
            total=total,
            passed=course.rules.passes(pool, correct),
            graded_at=now,
        )
        state = {**_remember(state, outcome), "progress": progress_to_dict(progress)}
        out: list[ev.Event] = [outcome]
        if pool != FINAL_POOL:
            out += self._completion(progress, course, int(pool), event.learner_id, now)
        return state, out

    def _progress(self, state: State):
        progress = progress_from_dict(state["progress"])
        return progress, self._catalog[progress.course_version]

    @staticmethod
    def _completion(progress, course, topic: int, learner_id: str, now: datetime) -> list[ev.Event]:
        # Emitted whenever an event touches a completed topic, not only on the first
        # transition: a redelivered event must be able to re-send a lost completion.
        # Stats counts a (learner, topic) pair once, however often it hears of it.
        if not progress.topic_completed(course, topic):
            return []
        return [
            ev.TopicCompleted(
                learner_id=learner_id,
                course_version=course.version,
                topic_number=topic,
                completed_at=now,
            )
        ]


def _remember(state: State, outcome: ev.AttemptGraded | ev.AttemptRejected) -> State:
    stored = {"type": outcome.type_name, "event": _to_builtins(outcome)}
    return {**state, "outcomes": {**state["outcomes"], outcome.attempt_id: stored}}


def _to_builtins(event: ev.Event) -> dict:
    return msgspec.to_builtins(event)


def _outcome_event(stored: dict) -> ev.Event:
    return msgspec.convert(stored["event"], ev.EVENT_TYPES[stored["type"]])
