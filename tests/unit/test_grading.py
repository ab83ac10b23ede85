"""Grading as a function of learner state and one event, redeliveries included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hocvuso.domain import events as ev
from hocvuso.domain.course import Catalog
from hocvuso.domain.errors import Unprocessable
from hocvuso.domain.grading import PENDING_KEPT, CannotGrade, GradingState, grade
from hocvuso.domain.quiz import draw_questions
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()
CATALOG = Catalog([COURSE])
NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)
LATER = datetime(2025, 11, 4, 9, 0, tzinfo=UTC)


def run(
    events: list[ev.Event], state: GradingState | None = None, now: datetime = NOW
) -> tuple[GradingState | None, list[ev.Event]]:
    outputs: list[ev.Event] = []
    for event in events:
        state, out = grade(CATALOG, state, event, now)
        outputs += out
    return state, outputs


def lesson(lesson_id: str, percent: int = 100) -> ev.LessonProgressed:
    return ev.LessonProgressed(
        learner_id="l", course_version="t1", lesson_id=lesson_id, percent=percent, reported_at=NOW
    )


def lessons(topic: int, percent: int = 100) -> list[ev.Event]:
    return [lesson(f"t{topic}-l{i}", percent) for i in (1, 2)]


def attempt(attempt_id: str, pool: str, right: int) -> list[ev.Event]:
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


def of_type(outputs: list[ev.Event], kind: type) -> list:
    return [o for o in outputs if isinstance(o, kind)]


def completed(outputs: list[ev.Event]) -> list[int]:
    return [o.topic_number for o in of_type(outputs, ev.TopicCompleted)]


def test_a_passed_quiz_after_the_lessons_completes_the_topic() -> None:
    _, out = run([*lessons(1), *attempt("a", "1", 4)])
    graded = of_type(out, ev.AttemptGraded)
    assert [(g.correct, g.total, g.passed) for g in graded] == [(4, 5, True)]
    assert completed(out) == [1]


def test_a_failed_quiz_completes_nothing() -> None:
    _, out = run([*lessons(1), *attempt("a", "1", 3)])
    assert [o.passed for o in of_type(out, ev.AttemptGraded)] == [False]
    assert completed(out) == []


def test_finishing_the_lessons_after_the_quiz_completes_the_topic() -> None:
    _, out = run([*attempt("a", "2", 5), *lessons(2, 80)])
    assert completed(out) == [2]


def test_results_are_stamped_with_the_time_given() -> None:
    _, out = run([*lessons(1), *attempt("a", "1", 5)], now=LATER)
    assert [o.graded_at for o in of_type(out, ev.AttemptGraded)] == [LATER]
    assert [o.completed_at for o in of_type(out, ev.TopicCompleted)] == [LATER]


def test_an_exam_before_five_topics_is_rejected_with_the_reason() -> None:
    _, out = run([*lessons(1), *attempt("a", "1", 5), *attempt("e", "final", 30)])
    rejected = of_type(out, ev.AttemptRejected)
    assert len(rejected) == 1 and "all 5 topics" in rejected[0].reason


def test_answers_to_questions_outside_the_attempt_reject_it() -> None:
    started = attempt("a", "1", 5)[0]
    stray = ev.AttemptSubmitted(
        learner_id="l", attempt_id="a", answers={"t2-q01": 0}, submitted_at=NOW
    )
    state, out = run([started, stray])
    assert [o.attempt_id for o in of_type(out, ev.AttemptRejected)] == ["a"]
    assert state is not None and state.progress.attempts == {}


def test_a_redelivered_submission_re_emits_the_same_result_without_regrading() -> None:
    events = [*lessons(1), *attempt("a", "1", 4)]
    state, first = run(events)
    again, second = run(events[-1:], state, now=LATER)
    assert again == state
    assert of_type(second, ev.AttemptGraded) == of_type(first, ev.AttemptGraded)


def test_a_redelivered_rejection_is_re_emitted_unchanged() -> None:
    events = attempt("e", "final", 30)
    state, first = run(events)
    again, second = run(events[-1:], state, now=LATER)
    assert again == state
    assert second == first == of_type(first, ev.AttemptRejected)


def test_a_redelivered_passing_quiz_announces_its_completed_topic_again() -> None:
    # The completion may have been lost in a crash after the result was published.
    events = [*lessons(1), *attempt("a", "1", 5)]
    state, _ = run(events)
    _, again = run(events[-1:], state)
    assert completed(again) == [1]


def test_any_lesson_of_a_completed_topic_announces_it_again() -> None:
    state, _ = run([*lessons(3), *attempt("a", "3", 5)])
    _, out = run([lesson("t3-l1", 40)], state)
    assert completed(out) == [3]


def test_a_submission_for_an_unknown_attempt_cannot_be_graded() -> None:
    with pytest.raises(CannotGrade, match="unknown attempt"):
        run(attempt("x", "1", 5)[1:])
    state, _ = run(lessons(1))
    with pytest.raises(CannotGrade, match="unknown attempt"):
        run(attempt("x", "1", 5)[1:], state)


def test_progress_on_a_lesson_the_course_does_not_have_cannot_be_graded() -> None:
    with pytest.raises(CannotGrade, match="unknown lesson"):
        run([lesson("t9-l1")])


def test_what_cannot_be_graded_is_a_record_no_retry_can_process() -> None:
    assert issubclass(CannotGrade, Unprocessable)


def test_events_grading_does_not_act_on_change_nothing() -> None:
    other = ev.TopicCompleted(learner_id="l", course_version="t1", topic_number=1, completed_at=NOW)
    assert run([other]) == (None, [])
    state, _ = run(lessons(1))
    assert run([other], state) == (state, [])


def test_the_final_exam_is_graded_once_five_topics_are_done() -> None:
    events = [e for t in range(1, 6) for e in [*lessons(t), *attempt(f"q{t}", str(t), 5)]]
    _, out = run([*events, *attempt("e", "final", 21)])
    exam = [o for o in of_type(out, ev.AttemptGraded) if o.pool == "final"]
    assert [(e.correct, e.passed) for e in exam] == [(21, True)]
    assert 0 not in completed(out)  # the exam is no topic


def test_an_older_graded_attempt_redelivered_is_answered_from_its_result() -> None:
    state, first = run([*lessons(1), *attempt("a", "1", 4), *attempt("b", "1", 2)])
    _, again = run(attempt("a", "1", 4)[1:], state, now=LATER)
    (graded,) = of_type(again, ev.AttemptGraded)
    (original,) = [g for g in of_type(first, ev.AttemptGraded) if g.attempt_id == "a"]
    assert (graded.correct, graded.total, graded.passed) == (4, 5, True)
    assert graded.identity() == original.identity()  # the same fact to every consumer
    assert completed(again) == [1]


def test_an_older_rejection_redelivered_is_rejected_again_for_the_same_reason() -> None:
    state, first = run([*attempt("e", "final", 30), *lessons(1), *attempt("a", "1", 5)])
    _, again = run(attempt("e", "final", 30)[1:], state, now=LATER)
    assert [r.reason for r in of_type(again, ev.AttemptRejected)] == [
        r.reason for r in of_type(first, ev.AttemptRejected)
    ]


def test_a_decided_attempt_keeps_no_questions_and_a_late_start_does_not_reopen_it() -> None:
    events = [*lessons(1), *attempt("a", "1", 5)]
    state, _ = run(events)
    assert state is not None and state.started == {}
    again, out = run(events[-2:-1], state)  # the start, redelivered
    assert again == state and out == []


def test_only_the_latest_open_attempts_are_kept() -> None:
    starts = [attempt(f"open-{i}", "1", 0)[0] for i in range(PENDING_KEPT + 3)]
    state, _ = run(starts)
    assert state is not None
    assert list(state.started) == [f"open-{i}" for i in range(3, PENDING_KEPT + 3)]
    # A submission written before submissions carried their questions needs its start.
    with pytest.raises(CannotGrade, match="unknown attempt"):
        run(attempt("open-0", "1", 0)[1:], state)


def test_a_submission_that_carries_its_questions_is_graded_whatever_was_forgotten() -> None:
    """More attempts open at once than grading remembers (a learner may open 3 a day per
    topic, 18 in all, or any number in a simulation): every one is still graded."""
    opened = PENDING_KEPT + 3
    starts = [attempt(f"open-{i}", "1", 0)[0] for i in range(opened)]
    state, _ = run([*lessons(1), *starts])
    for i in range(opened):
        started, submitted = attempt(f"open-{i}", "1", 4)
        assert isinstance(started, ev.AttemptStarted)
        assert isinstance(submitted, ev.AttemptSubmitted)
        whole = replace(submitted, pool=started.pool, question_ids=started.question_ids)
        state, out = run([whole], state)
        graded = of_type(out, ev.AttemptGraded)
        assert [(g.attempt_id, g.correct, g.passed) for g in graded] == [(f"open-{i}", 4, True)]
    assert state is not None and len(state.progress.attempts) == opened
