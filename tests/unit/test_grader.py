"""Grading as a function of learner state and one event, redeliveries included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hocvuso.domain import events as ev
from hocvuso.domain.course import Catalog
from services.grading.grader import CannotGrade, Grader
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()
GRADER = Grader(Catalog([COURSE]))
NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)


def run(events: list[ev.Event], state=None):
    outputs: list[ev.Event] = []
    for event in events:
        state, out = GRADER.handle(state, event, NOW)
        outputs += out
    return state, outputs


def lessons(topic: int, percent: int = 100) -> list[ev.Event]:
    return [
        ev.LessonProgressed(
            learner_id="l",
            course_version="t1",
            lesson_id=f"t{topic}-l{i}",
            percent=percent,
            reported_at=NOW,
        )
        for i in (1, 2)
    ]


def attempt(attempt_id: str, pool: str, right: int) -> list[ev.Event]:
    from hocvuso.domain.quiz import draw_questions

    questions = draw_questions(COURSE, pool, attempt_id)
    answers = {
        q: (COURSE.questions[q].answer if i < right else (COURSE.questions[q].answer + 1) % 4)
        for i, q in enumerate(questions)
    }
    return [
        ev.AttemptStarted(
            learner_id="l",
            attempt_id=attempt_id,
            course_version="t1",
            pool=pool,
            question_ids=questions,
            started_at=NOW,
        ),
        ev.AttemptSubmitted(
            learner_id="l", attempt_id=attempt_id, answers=answers, submitted_at=NOW
        ),
    ]


def test_a_passed_quiz_after_the_lessons_completes_the_topic() -> None:
    _, out = run([*lessons(1), *attempt("a", "1", 4)])
    graded = [o for o in out if isinstance(o, ev.AttemptGraded)]
    assert [(g.correct, g.total, g.passed) for g in graded] == [(4, 5, True)]
    assert [o.topic_number for o in out if isinstance(o, ev.TopicCompleted)] == [1]


def test_a_failed_quiz_completes_nothing() -> None:
    _, out = run([*lessons(1), *attempt("a", "1", 3)])
    assert [o.passed for o in out if isinstance(o, ev.AttemptGraded)] == [False]
    assert not [o for o in out if isinstance(o, ev.TopicCompleted)]


def test_finishing_the_lessons_after_the_quiz_completes_the_topic() -> None:
    _, out = run([*attempt("a", "2", 5), *lessons(2, 80)])
    assert [o.topic_number for o in out if isinstance(o, ev.TopicCompleted)] == [2]


def test_an_exam_before_five_topics_is_rejected_with_the_reason() -> None:
    _, out = run([*lessons(1), *attempt("a", "1", 5), *attempt("e", "final", 30)])
    rejected = [o for o in out if isinstance(o, ev.AttemptRejected)]
    assert len(rejected) == 1 and "all 5 topics" in rejected[0].reason


def test_a_redelivered_submission_re_emits_the_same_result_without_regrading() -> None:
    events = [*lessons(1), *attempt("a", "1", 4)]
    state, first = run(events)
    again, second = run(events[-1:], state)
    assert again == state
    assert [o for o in second if isinstance(o, ev.AttemptGraded)] == [
        o for o in first if isinstance(o, ev.AttemptGraded)
    ]


def test_a_submission_for_an_unknown_attempt_cannot_be_graded() -> None:
    with pytest.raises(CannotGrade, match="unknown attempt"):
        run(attempt("x", "1", 5)[1:])


def test_the_final_exam_is_graded_once_five_topics_are_done() -> None:
    events = [e for t in range(1, 6) for e in [*lessons(t), *attempt(f"q{t}", str(t), 5)]]
    _, out = run([*events, *attempt("e", "final", 21)])
    exam = [o for o in out if isinstance(o, ev.AttemptGraded) and o.pool == "final"]
    assert [(e.correct, e.passed) for e in exam] == [(21, True)]
