"""What the portal shows: the outline without answers, and where a learner stands."""

from __future__ import annotations

import json

from hocvuso.domain.progress import AttemptGraded, CertificateIssued, LessonProgressed, fold
from hocvuso.views import course_outline, progress_summary
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()


def finished(topic: int) -> list:
    return [
        LessonProgressed(f"t{topic}-l1", 100),
        LessonProgressed(f"t{topic}-l2", 100),
        AttemptGraded(f"q{topic}", str(topic), 5, 5),
    ]


def test_the_outline_lists_topics_and_lessons_and_never_an_answer() -> None:
    outline = course_outline(COURSE)
    assert outline["version"] == "t1"
    assert [t["number"] for t in outline["topics"]] == [1, 2, 3, 4, 5]
    assert outline["topics"][0]["lessons"][0] == {"id": "t1-l1", "title": "Bài 1", "summary": "."}
    assert outline["rules"]["exam_pass_correct"] == 21
    assert "answer" not in json.dumps(outline)  # also proves it is JSON-ready


def test_a_new_learner_sees_nothing_done_and_no_exam() -> None:
    summary = progress_summary(fold(COURSE, []), COURSE)
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


def test_the_summary_shows_partial_content_and_failed_quizzes() -> None:
    facts = [LessonProgressed("t2-l1", 100), AttemptGraded("a", "2", 1, 5)]
    topic2 = progress_summary(fold(COURSE, facts), COURSE)["topics"][1]
    assert topic2["content_percent"] == 50.0
    assert topic2["quiz_attempts"] == 1
    assert not topic2["quiz_passed"] and not topic2["completed"]


def test_a_certified_learner_sees_every_step_and_the_certificate() -> None:
    facts = [f for t in range(1, 6) for f in finished(t)]
    facts += [AttemptGraded("e", "final", 25, 30), CertificateIssued("cert-1")]
    summary = progress_summary(fold(COURSE, facts), COURSE)
    assert summary["topics_completed"] == 5 and summary["exam_eligible"]
    assert (summary["exam_attempts"], summary["exam_passed"]) == (1, True)
    assert summary["certificate_id"] == "cert-1"
