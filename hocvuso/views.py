"""What the portal shows: the course outline and a learner's progress, as JSON-ready dicts.

Presentation is kept out of the core, which holds the rules these views read.
"""

from __future__ import annotations

from dataclasses import asdict

from hocvuso.domain.course import FINAL_POOL, Course, Topic
from hocvuso.domain.enrollment import Learner, Result


def course_outline(course: Course) -> dict[str, object]:
    """Topics and lessons for the portal; the question bank stays out."""
    return {
        "version": course.version,
        "title": course.title,
        "effective_from": course.effective_from.isoformat(),
        "rules": asdict(course.rules),
        "topics": [_topic_outline(t) for t in course.topics],
    }


def _topic_outline(topic: Topic) -> dict[str, object]:
    return {
        "number": topic.number,
        "title": topic.title,
        "lessons": [
            {"id": lesson.id, "title": lesson.title, "summary": lesson.summary}
            for lesson in topic.lessons
        ],
    }


def content_percent(learner: Learner, course: Course, topic: int) -> float:
    lessons = course.topic(topic).lessons  # type: ignore[union-attr]
    return sum(learner.lessons.get(lesson.id, 0) for lesson in lessons) / len(lessons)


def _results(learner: Learner, pool: str) -> list[Result]:
    return [a.result for a in learner.attempts_in(pool) if a.result is not None]


def progress_summary(learner: Learner, course: Course) -> dict[str, object]:
    """Where the learner stands, as grading and certs decided it (the portal shows it,
    a unit head chasing them reads it)."""
    return {
        "learner_id": learner.learner_id,
        "course_version": learner.course_version,
        "topics": [_topic_progress(learner, course, t) for t in course.topic_numbers],
        "topics_completed": len(learner.completed_topics & set(course.topic_numbers)),
        "exam_eligible": learner.exam_eligible(course),
        "exam_attempts": len(_results(learner, FINAL_POOL)),
        "exam_passed": any(r.passed for r in _results(learner, FINAL_POOL)),
        "certificate_id": learner.certificate_id,
    }


def _topic_progress(learner: Learner, course: Course, topic: int) -> dict[str, object]:
    results = _results(learner, str(topic))
    return {
        "number": topic,
        "content_percent": round(content_percent(learner, course, topic), 1),
        "quiz_passed": any(r.passed for r in results),
        "quiz_attempts": len(results),
        "completed": topic in learner.completed_topics,
    }
