"""What enrollment shows: a learner's standing and an attempt, from the recorded learner."""

from __future__ import annotations

from hocvuso.domain.course import FINAL_POOL, Course
from hocvuso.domain.enrollment import Attempt, Learner
from services.enrollment.models import AttemptCreated, AttemptResult, AttemptView, topic_of


def content_percent(learner: Learner, course: Course, topic: int) -> float:
    lessons = course.topic(topic).lessons  # type: ignore[union-attr]
    return sum(learner.lessons.get(lesson.id, 0) for lesson in lessons) / len(lessons)


def _graded(learner: Learner, pool: str) -> list[Attempt]:
    return [a for a in learner.attempts_in(pool) if a.result is not None]


def progress_summary(learner: Learner, course: Course) -> dict[str, object]:
    """Where the learner stands, as grading and certs decided it."""
    return {
        "learner_id": learner.learner_id,
        "course_version": learner.course_version,
        "topics": [
            {
                "number": t,
                "content_percent": round(content_percent(learner, course, t), 1),
                "quiz_passed": any(a.result.passed for a in _graded(learner, str(t)) if a.result),
                "quiz_attempts": len(_graded(learner, str(t))),
                "completed": t in learner.completed_topics,
            }
            for t in course.topic_numbers
        ],
        "topics_completed": len(learner.completed_topics & set(course.topic_numbers)),
        "exam_eligible": learner.exam_eligible(course),
        "exam_attempts": len(_graded(learner, FINAL_POOL)),
        "exam_passed": any(a.result.passed for a in _graded(learner, FINAL_POOL) if a.result),
        "certificate_id": learner.certificate_id,
    }


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
