"""What the portal shows: the outline without answers, and where a learner stands."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from hocvuso.domain import events as ev
from hocvuso.domain.enrollment import Attempt, Learner, Profile, record
from hocvuso.views import course_outline, progress_summary
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()
NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)


def test_the_outline_lists_topics_and_lessons_and_never_an_answer() -> None:
    outline = course_outline(COURSE)
    assert outline["version"] == "t1"
    assert [t["number"] for t in outline["topics"]] == [1, 2, 3, 4, 5]
    assert outline["topics"][0]["lessons"][0] == {"id": "t1-l1", "title": "Bài 1", "summary": "."}
    assert outline["rules"]["exam_pass_correct"] == 21
    assert "answer" not in json.dumps(outline)  # also proves it is JSON-ready


def learner(*events: ev.Event, **changes: object) -> Learner:
    profile = Profile(
        full_name="Ngô Thị Năm", birth_year=1990, category="citizen", commune_code="21025"
    )
    base = Learner(learner_id="l", profile=profile, course_version="t1", registered_at=NOW)
    recorded = replace(base, **changes)  # type: ignore[arg-type]
    for event in events:
        recorded = record(recorded, event)
    return recorded


def graded(attempt_id: str, pool: str, correct: int, total: int, passed: bool) -> ev.AttemptGraded:
    return ev.AttemptGraded(
        learner_id="l",
        attempt_id=attempt_id,
        course_version="t1",
        pool=pool,
        correct=correct,
        total=total,
        passed=passed,
        graded_at=NOW,
    )


def opened(*pairs: tuple[str, str]) -> dict[str, Attempt]:
    return {a: Attempt(attempt_id=a, pool=p, question_ids=(), started_at=NOW) for a, p in pairs}


def test_a_new_learner_sees_nothing_done_and_no_exam() -> None:
    summary = progress_summary(learner(), COURSE)
    assert summary["topics_completed"] == 0
    assert not summary["exam_eligible"]
    assert summary["certificate_id"] is None
    assert summary["topics"][0] == {
        "number": 1,
        "content_percent": 0.0,
        "quiz_passed": False,
        "quiz_attempts": 0,
        "completed": False,
    }


def test_the_summary_shows_partial_content_failed_quizzes_and_not_yet_graded_ones() -> None:
    recorded = learner(
        graded("a", "2", 1, 5, False),
        lessons={"t2-l1": 100},
        attempts=opened(("a", "2"), ("b", "2")),
    )
    topic2 = progress_summary(recorded, COURSE)["topics"][1]
    assert topic2["content_percent"] == 50.0
    assert topic2["quiz_attempts"] == 1, "the open attempt has no result yet"
    assert not topic2["quiz_passed"] and not topic2["completed"]


def test_a_certified_learner_sees_every_step_and_the_certificate() -> None:
    completions = [
        ev.TopicCompleted(learner_id="l", course_version="t1", topic_number=t, completed_at=NOW)
        for t in range(1, 6)
    ]
    certificate = ev.CertificateIssued(
        learner_id="l",
        certificate_id="cert-1",
        course_version="t1",
        full_name="Ngô Thị Năm",
        exam_attempt_id="e",
        exam_correct=25,
        exam_total=30,
        issued_at=NOW,
    )
    recorded = learner(
        *completions,
        graded("e", "final", 25, 30, True),
        certificate,
        attempts=opened(("e", "final")),
    )
    summary = progress_summary(recorded, COURSE)
    assert summary["topics_completed"] == 5 and summary["exam_eligible"]
    assert (summary["exam_attempts"], summary["exam_passed"]) == (1, True)
    assert summary["certificate_id"] == "cert-1"
