"""Views for the portal, kept out of the core: what a course shows learners."""

from __future__ import annotations

from hocvuso.domain.course import Course


def course_outline(course: Course) -> dict[str, object]:
    """Topics and lessons for the portal; the question bank stays out."""
    return course.outline()
