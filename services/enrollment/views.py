"""What enrollment shows of an attempt, in its response models."""

from __future__ import annotations

from hocvuso.domain.course import Course
from hocvuso.domain.enrollment import Attempt, Learner
from services.enrollment.models import AttemptCreated, AttemptResult, AttemptView, topic_of


def _questions(course: Course, attempt: Attempt) -> list[dict[str, object]]:
    return [course.questions[q].public() for q in attempt.question_ids]


def attempt_created(course: Course, attempt: Attempt) -> AttemptCreated:
    return AttemptCreated(
        attempt_id=attempt.attempt_id,
        topic=topic_of(attempt.pool),
        course_version=course.version,
        questions=_questions(course, attempt),  # type: ignore[arg-type]
    )


def attempt_view(learner: Learner, course: Course, attempt: Attempt) -> AttemptView:
    result = attempt.result
    return AttemptView(
        attempt_id=attempt.attempt_id,
        learner_id=learner.learner_id,
        topic=topic_of(attempt.pool),
        status=attempt.status,
        questions=_questions(course, attempt),  # type: ignore[arg-type]
        result=None if result is None else AttemptResult(**vars_of(result)),
        reason=attempt.reason,
    )


def vars_of(result: object) -> dict[str, object]:
    return {name: getattr(result, name) for name in ("correct", "total", "passed")}
