"""The course versions shipped in the package load into one catalog."""

from __future__ import annotations

from datetime import UTC, datetime

from hocvuso.course_files import PACKAGED_VERSIONS, load_packaged_course, packaged_catalog


def test_every_packaged_version_is_in_the_catalog() -> None:
    assert packaged_catalog().versions == list(PACKAGED_VERSIONS)


def test_a_packaged_course_carries_its_question_bank_and_effective_date() -> None:
    course = load_packaged_course("v1")
    assert course.version == "v1"
    assert course.questions and len(course.topics) == 5
    assert packaged_catalog().in_force_at(datetime(2030, 1, 1, tzinfo=UTC)).version == "v1"
