"""The course versions shipped inside the package, read from hocvuso/course_data.

Reading files is I/O, so it lives here and not in the core: the core only builds a
Course from data it is handed (`course_from_data`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources

from hocvuso.domain.course import Catalog, Course, course_from_data
from hocvuso.settings import CourseSettings

PACKAGED_VERSIONS = ("v1",)


def load_packaged_course(version: str) -> Course:
    folder = resources.files("hocvuso").joinpath("course_data", version)
    course = json.loads(folder.joinpath("course.json").read_text(encoding="utf-8"))
    questions = json.loads(folder.joinpath("questions.json").read_text(encoding="utf-8"))
    return course_from_data(course, questions)


def packaged_catalog() -> Catalog:
    return Catalog(load_packaged_course(v) for v in PACKAGED_VERSIONS)


def configured_catalog(settings: CourseSettings) -> Catalog:
    """The packaged versions as this deployment runs them: closing dates set, and attempt
    limits lifted where a simulation asks for it."""
    return Catalog(_configured(load_packaged_course(v), settings) for v in PACKAGED_VERSIONS)


def _configured(course: Course, settings: CourseSettings) -> Course:
    rules = course.rules
    closes = settings.closes_at.get(course.version)
    if closes is not None:
        if closes.tzinfo is None:
            raise ValueError(f"the closing date of {course.version} needs a UTC offset: {closes}")
        rules = replace(rules, closes_at=closes)
    if settings.unlimited_attempts:
        rules = replace(
            rules,
            quiz_attempts_per_day=None,
            exam_attempts_per_day=None,
            minutes_between_attempts=0,
        )
    return replace(course, rules=rules)
