"""What the portal shows: the course outline and a learner's progress, as JSON-ready dicts.

Presentation is kept out of the core, which holds the rules these views read.
"""

from __future__ import annotations

from dataclasses import asdict

from hocvuso.domain.course import FINAL_POOL, Course, Topic
from hocvuso.domain.progress import Progress


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


def progress_summary(progress: Progress, course: Course) -> dict[str, object]:
    """Where the learner stands, as the portal shows them (and a unit head chasing them)."""
    return {
        "course_version": progress.course_version,
        "topics": [_topic_progress(progress, course, t) for t in course.topic_numbers],
        "topics_completed": len(progress.topics_completed(course)),
        "exam_eligible": progress.exam_eligible(course),
        "exam_attempts": progress.attempts_in(FINAL_POOL),
        "exam_passed": progress.exam_passed,
        "certificate_id": progress.certificate_id,
    }


def _topic_progress(progress: Progress, course: Course, topic: int) -> dict[str, object]:
    return {
        "number": topic,
        "content_percent": round(progress.content_percent(course, topic), 1),
        "quiz_passed": progress.quiz_passed(topic),
        "quiz_attempts": progress.attempts_in(str(topic)),
        "completed": progress.topic_completed(course, topic),
    }
