"""The course versions shipped inside the package, read from hocvuso/course_data.

Reading files is I/O, so it lives here and not in the core: the core only builds a
Course from data it is handed (`course_from_data`).
"""

from __future__ import annotations

import json
from importlib import resources

from hocvuso.domain.course import Catalog, Course, course_from_data

PACKAGED_VERSIONS = ("v1",)


def load_packaged_course(version: str) -> Course:
    folder = resources.files("hocvuso").joinpath("course_data", version)
    course = json.loads(folder.joinpath("course.json").read_text(encoding="utf-8"))
    questions = json.loads(folder.joinpath("questions.json").read_text(encoding="utf-8"))
    return course_from_data(course, questions)


def packaged_catalog() -> Catalog:
    return Catalog(load_packaged_course(v) for v in PACKAGED_VERSIONS)
