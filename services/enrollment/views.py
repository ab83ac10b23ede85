"""What enrollment shows of an attempt, in its response models."""

from __future__ import annotations

from datetime import datetime

from hocvuso.domain.attempt_limits import closes_at
from hocvuso.domain.course import Course
from hocvuso.domain.enrollment import Attempt, Learner, shown_status
from services.enrollment.models import (
    AttemptCreated,
    AttemptResult,
    AttemptView,
    PublicQuestion,
    topic_of,
)


def _questions(course: Course, attempt: Attempt) -> list[PublicQuestion]:
    return [
        PublicQuestion.model_validate(course.questions[q].public()) for q in attempt.question_ids
    ]


def attempt_created(course: Course, attempt: Attempt) -> AttemptCreated:
    return AttemptCreated(
        attempt_id=attempt.attempt_id,
        topic=topic_of(attempt.pool),
        course_version=course.version,
        questions=_questions(course, attempt),
        started_at=attempt.started_at,
        closes_at=closes_at(course.rules, attempt.pool, attempt.started_at),
    )


def attempt_view(learner: Learner, course: Course, attempt: Attempt, now: datetime) -> AttemptView:
    result = attempt.result
    return AttemptView(
        attempt_id=attempt.attempt_id,
        learner_id=learner.learner_id,
        topic=topic_of(attempt.pool),
        status=shown_status(attempt, course, now),
        questions=_questions(course, attempt),
        started_at=attempt.started_at,
        closes_at=closes_at(course.rules, attempt.pool, attempt.started_at),
        result=None
        if result is None
        else AttemptResult(correct=result.correct, total=result.total, passed=result.passed),
        reason=attempt.reason,
    )
