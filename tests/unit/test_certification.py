"""A certificate is issued once both the learner's name and a passed final exam are known."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hocvuso.domain import events as ev
from hocvuso.domain.certification import (
    CertificationState,
    IssueCertificate,
    certificate_id,
    decide,
    earns_certificate,
)

NOW = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)
REGISTERED = ev.LearnerRegistered(
    learner_id="l1",
    full_name="Nguyễn Thị Hoa",
    category="citizen",
    commune_code="21025",
    course_version="v1",
    registered_at=NOW,
)


def exam(attempt_id: str = "e1", correct: int = 25, pool: str = "final") -> ev.AttemptGraded:
    total = 30 if pool == "final" else 5
    return ev.AttemptGraded(
        learner_id="l1",
        attempt_id=attempt_id,
        course_version="v1",
        pool=pool,
        correct=correct,
        total=total,
        passed=correct >= (21 if pool == "final" else 4),
        graded_at=NOW,
    )


def run(
    events: list[ev.Event], state: CertificationState | None = None
) -> tuple[CertificationState | None, list[IssueCertificate]]:
    decisions = []
    for event in events:
        state, decision = decide(state, event)
        if decision is not None:
            decisions.append(decision)
    return state, decisions


EXPECTED = IssueCertificate(learner_id="l1", full_name="Nguyễn Thị Hoa", exam=exam())


def test_registration_then_passed_exam_issues_with_the_name() -> None:
    _, decisions = run([REGISTERED, exam()])
    assert decisions == [EXPECTED]


def test_passed_exam_read_before_the_registration_waits_for_the_name() -> None:
    state, decisions = run([exam()])
    assert decisions == []
    assert state == CertificationState(passed_exam=exam())
    _, decisions = run([REGISTERED], state)
    assert decisions == [EXPECTED]


def test_a_registration_alone_issues_nothing() -> None:
    state, decisions = run([REGISTERED])
    assert decisions == []
    assert state == CertificationState(full_name="Nguyễn Thị Hoa")


@pytest.mark.parametrize(
    "event",
    [exam(correct=20), exam(pool="1", correct=5)],
    ids=["failed-exam", "passed-quiz"],
)
def test_only_a_passed_final_exam_earns_a_certificate(event: ev.AttemptGraded) -> None:
    assert not earns_certificate(event)
    assert run([REGISTERED, event])[1] == []


def test_events_about_no_certificate_leave_the_state_as_it_was() -> None:
    rejected = ev.AttemptRejected(learner_id="l1", attempt_id="e", reason="x", rejected_at=NOW)
    assert decide(None, rejected) == (None, None)
    state, _ = run([REGISTERED])
    assert decide(state, rejected) == (state, None)


@pytest.mark.parametrize("redelivered", [REGISTERED, exam()], ids=["registration", "exam"])
def test_a_redelivery_of_either_event_decides_the_same_again(redelivered: ev.Event) -> None:
    state, _ = run([REGISTERED, exam()])
    again, decision = decide(state, redelivered)
    assert decision == EXPECTED
    assert again == state


def test_the_state_records_that_a_certificate_was_decided() -> None:
    waiting, _ = run([exam()])
    assert waiting is not None and not waiting.issued
    decided, _ = run([exam(), REGISTERED])
    assert decided is not None and decided.issued


def test_the_first_passed_exam_is_the_one_certified() -> None:
    _, decisions = run([exam("e1", 22), REGISTERED, exam("e2", 29)])
    assert [d.exam.attempt_id for d in decisions] == ["e1", "e1"]


def test_one_certificate_id_per_learner_and_course_version() -> None:
    key = b"k" * 32
    assert certificate_id("l1", "v1", key) == certificate_id("l1", "v1", key)
    assert certificate_id("l1", "v2", key) != certificate_id("l1", "v1", key)
    assert certificate_id("l2", "v1", key) != certificate_id("l1", "v1", key)


def test_nobody_without_the_issuers_secret_computes_a_certificate_id() -> None:
    assert certificate_id("l1", "v1", b"k" * 32) != certificate_id("l1", "v1", b"j" * 32)
