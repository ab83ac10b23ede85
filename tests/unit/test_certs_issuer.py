"""The signed certificate carries the name and the exam the core decided on."""

from __future__ import annotations

from datetime import UTC, datetime

from hocvuso.domain import events as ev
from hocvuso.domain.certification import IssueCertificate, certificate_id, decide
from hocvuso.signing import Signer, new_key
from services.certs.issuer import issue, issued_event

NOW = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)
SIGNER = Signer(new_key())
EXAM = ev.AttemptGraded(
    learner_id="l1",
    attempt_id="e1",
    course_version="v1",
    pool="final",
    correct=25,
    total=30,
    passed=True,
    graded_at=NOW,
)
DECISION = IssueCertificate(learner_id="l1", full_name="Nguyễn Thị Hoa", exam=EXAM)


def test_the_signed_token_names_the_learner_and_the_exam() -> None:
    doc = issue(DECISION, "https://issuer.example", SIGNER)
    claims = SIGNER.verify(doc["token"])
    assert claims["name"] == doc["full_name"] == "Nguyễn Thị Hoa"
    assert claims["jti"] == doc["_id"] == certificate_id("l1", "v1", SIGNER.id_secret)
    assert "sub" not in claims and "l1" not in str(claims), "no learner id in a public token"
    assert claims["exam"] == {"correct": 25, "total": 30}
    assert claims["iss"] == "https://issuer.example"


def test_deciding_again_produces_the_same_certificate() -> None:
    first = issue(DECISION, "https://issuer.example", SIGNER)
    assert issue(DECISION, "https://issuer.example", SIGNER) == first


def test_the_announcement_carries_the_name_even_when_the_exam_came_first() -> None:
    registered = ev.LearnerRegistered(
        learner_id="l1",
        full_name="Nguyễn Thị Hoa",
        category="citizen",
        commune_code="21025",
        course_version="v1",
        registered_at=NOW,
    )
    state, _ = decide(None, EXAM)
    _, decision = decide(state, registered)
    assert decision is not None
    announced = issued_event(issue(decision, "https://issuer.example", SIGNER))
    assert announced.full_name == "Nguyễn Thị Hoa"
    assert (announced.exam_attempt_id, announced.issued_at) == ("e1", NOW)
