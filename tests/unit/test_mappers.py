"""Core state survives its stored forms: a restarted service carries on where it stopped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import msgspec

from hocvuso.adapters.mappers import (
    decode_certification_state,
    decode_grading_state,
    encode_certification_state,
    encode_grading_state,
    learner_from_doc,
    learner_to_doc,
)
from hocvuso.domain import events as ev
from hocvuso.domain.certification import CertificationState, decide
from hocvuso.domain.enrollment import Attempt, Learner, Profile, Result
from hocvuso.domain.grading import GradingState, grade
from tests.unit.test_certification import REGISTERED, exam
from tests.unit.test_grading import CATALOG, attempt, lessons, run

NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)


def history_state() -> GradingState:
    """Lessons, a graded quiz, a rejected exam and an attempt still open."""
    events = [*lessons(1), *attempt("q1", "1", 5), *attempt("e", "final", 30)]
    state, _ = run([*events, attempt("open", "2", 0)[0]])
    assert state is not None
    return state


def test_a_grading_state_reads_back_equal() -> None:
    state = history_state()
    assert decode_grading_state(encode_grading_state(state)) == state


def test_stored_outcomes_keep_their_kind() -> None:
    rejected = decode_grading_state(encode_grading_state(history_state()))
    assert isinstance(rejected.latest, ev.AttemptRejected) and rejected.rejected
    graded, _ = run(attempt("q2", "2", 5), history_state())
    assert graded is not None
    assert isinstance(decode_grading_state(encode_grading_state(graded)).latest, ev.AttemptGraded)


def test_a_learner_who_took_the_whole_course_is_stored_in_well_under_a_kilobyte() -> None:
    """Every topic's lessons and quiz (with a failed try each), the exam, attempts left
    open: what grading keeps for one learner after the course."""

    def uuid_like(name: str) -> str:  # attempt ids are uuids: 36 characters
        return name.ljust(36, "0")

    events = [
        e
        for t in range(1, 6)
        for name, right in ((f"fail-{t}", 1), (f"pass-{t}", 5))
        for e in attempt(uuid_like(name), str(t), right)
    ]
    learning = [e for t in range(1, 6) for e in lessons(t)]
    state, _ = run(
        [*learning, *events, *attempt(uuid_like("exam"), "final", 30), attempt("left", "1", 0)[0]]
    )
    assert state is not None
    assert len(encode_grading_state(state)) < 1024


def test_after_a_restart_a_redelivered_submission_gets_the_first_result() -> None:
    state = history_state()
    restored = decode_grading_state(encode_grading_state(state))
    submission = attempt("q1", "1", 5)[1]
    assert grade(CATALOG, restored, submission, NOW) == grade(CATALOG, state, submission, NOW)


def test_after_a_restart_an_open_attempt_is_graded_against_its_questions() -> None:
    restored = decode_grading_state(encode_grading_state(history_state()))
    _, out = grade(CATALOG, restored, attempt("open", "2", 4)[1], NOW)
    assert [(o.correct, o.total) for o in out if isinstance(o, ev.AttemptGraded)] == [(4, 5)]


def test_equal_states_encode_to_equal_bytes() -> None:
    # The grading service skips the table write when the bytes did not change.
    assert encode_grading_state(history_state()) == encode_grading_state(history_state())


def test_a_passed_exam_waiting_for_its_name_survives_a_restart() -> None:
    waiting, _ = decide(None, exam())
    assert waiting is not None
    restored = decode_certification_state(encode_certification_state(waiting))
    assert restored == waiting
    _, decision = decide(restored, REGISTERED)
    assert decision is not None and decision.full_name == REGISTERED.full_name


def test_every_certification_state_reads_back_equal() -> None:
    for state in (
        CertificationState(),
        CertificationState(full_name="Nguyễn Thị Hoa"),
        CertificationState(full_name="Nguyễn Thị Hoa", passed_exam=exam(), issued=True),
    ):
        assert decode_certification_state(encode_certification_state(state)) == state


def _learner_with_attempts() -> Learner:
    profile = Profile(
        full_name="Trần Thị Ba", birth_year=1970, category="citizen", commune_code="1"
    )
    open_ = Attempt(attempt_id="o", pool="2", question_ids=("t2-q01", "t2-q03"), started_at=NOW)
    answered = {"t1-q04": 2, "t1-q01": 0}  # in the learner's order, not the questions'
    graded = replace(
        open_,
        attempt_id="g",
        pool="1",
        question_ids=("t1-q01", "t1-q04"),
        status="graded",
        answers=answered,
        result=Result(correct=1, total=2, passed=False),
    )
    rejected = replace(open_, attempt_id="r", status="rejected", answers={}, reason="too late")
    attempts = {a.attempt_id: a for a in (open_, graded, rejected)}
    return Learner(
        learner_id="l",
        profile=profile,
        course_version="v1",
        registered_at=NOW,
        lessons={"t1-l1": 80},
        attempts=attempts,
        completed_topics=frozenset({1}),
        account="acct",
    )


def test_a_learner_reads_back_equal_with_attempts_stored_as_rows() -> None:
    learner = _learner_with_attempts()
    doc = learner_to_doc(learner)
    assert learner_from_doc(doc) == learner
    row = doc["attempts"]["g"]  # as the database keeps it: a row, no field names
    assert [list(x) if isinstance(x, tuple) else x for x in row] == [
        "1",
        ["t1-q01", "t1-q04"],
        NOW,
        "graded",
        [0, 2],
        [1, 2, False],
        None,
    ]


def test_a_learner_stored_with_attempts_as_objects_still_reads() -> None:
    """Documents written before attempts were rows keep their meaning."""
    learner = _learner_with_attempts()
    doc = learner_to_doc(learner)
    doc["attempts"] = {
        k: msgspec.to_builtins(
            {f: getattr(a, f) for f in a.__slots__ if f != "attempt_id"},  # type: ignore[attr-defined]
            builtin_types=(datetime,),
        )
        for k, a in learner.attempts.items()
    }
    assert learner_from_doc(doc) == learner
