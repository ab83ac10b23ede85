from __future__ import annotations

import pytest

from hocvuso.domain.progress import RuleViolation
from hocvuso.domain.quiz import draw_questions, score
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()


def test_a_draw_takes_the_pools_size_without_repeats_and_is_repeatable() -> None:
    quiz = draw_questions(COURSE, "2", "attempt-1")
    assert len(quiz) == 5 and len(set(quiz)) == 5
    assert all(q.startswith("t2-") for q in quiz)
    assert draw_questions(COURSE, "2", "attempt-1") == quiz
    exam = draw_questions(COURSE, "final", "attempt-2")
    assert len(set(exam)) == 30


def test_different_attempts_draw_different_questions() -> None:
    draws = {tuple(draw_questions(COURSE, "final", f"a{i}")) for i in range(5)}
    assert len(draws) == 5


def test_score_counts_correct_answers_and_blanks_as_wrong() -> None:
    quiz = draw_questions(COURSE, "1", "a")
    right = {q: COURSE.questions[q].answer for q in quiz}
    assert score(COURSE, quiz, right) == 5
    one_wrong = {**right, quiz[0]: (right[quiz[0]] + 1) % 4}
    assert score(COURSE, quiz, one_wrong) == 4
    del right[quiz[1]]
    assert score(COURSE, quiz, right) == 4


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"t9-q01": 1}, "not in this attempt"),
        ({"PLACEHOLDER": 4}, "0..3"),
        ({"PLACEHOLDER": True}, "0..3"),
    ],
)
def test_answers_outside_the_attempt_are_refused(answers: dict, message: str) -> None:
    quiz = draw_questions(COURSE, "1", "a")
    answers = {quiz[0] if k == "PLACEHOLDER" else k: v for k, v in answers.items()}
    with pytest.raises(RuleViolation, match=message):
        score(COURSE, quiz, answers)
