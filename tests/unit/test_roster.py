"""The rows of the lists: how far each learner got, who is finished, and the order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hocvuso.domain import enrollment as core
from hocvuso.domain.roster import listed, row
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()
NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)
MASTER = core.MasterData(communes={"21025"}, units=set())


def learner(lid: str, name: str) -> core.Learner:
    profile = core.Profile(
        full_name=name, birth_year=1980, category="citizen", commune_code="21025"
    )
    return core.register(lid, profile, MASTER, COURSE, NOW)[0]


def test_a_row_says_how_far_the_learner_got_and_when_they_last_acted() -> None:
    lessons = [lesson.id for topic in COURSE.topics for lesson in topic.lessons]
    later = datetime(2025, 11, 5, tzinfo=UTC)
    studied, _ = core.report_lesson(learner("l1", "An"), COURSE, lessons[0], 100, later)
    got = row(studied, COURSE)
    assert got.content_percent == 100 // len(lessons)
    assert (got.topics_completed, got.last_active_at, got.certificate_id) == (0, later, None)
    assert row(learner("l2", "Bình"), COURSE).last_active_at == NOW, "registration counts"


def test_finished_and_unfinished_are_apart_and_sorted_with_names_breaking_ties() -> None:
    rows = [
        row(learner("l1", "Châu"), COURSE),
        row(replace(learner("l2", "an"), certificate_id="c2"), COURSE),
        row(learner("l3", "Bình"), COURSE),
    ]
    assert [r.full_name for r in listed(rows, False, "name", False)] == ["Bình", "Châu"]
    assert [r.full_name for r in listed(rows, True, "name", False)] == ["an"]
    assert [r.full_name for r in listed(rows, False, "topics", True)] == ["Bình", "Châu"]
