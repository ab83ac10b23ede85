"""Signing a certificate the core decided to issue, and announcing the stored one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hocvuso.domain import events as ev
from hocvuso.domain.certification import IssueCertificate, certificate_id
from hocvuso.signing import Signer


def issue(decision: IssueCertificate, issuer: str, signer: Signer) -> dict[str, Any]:
    """The certificate document: its public fields and the signed token over them."""
    exam = decision.exam
    cert_id = certificate_id(decision.learner_id, exam.course_version, signer.id_secret)
    issued_at = exam.graded_at  # not the clock: deciding again yields the same document
    claims = {
        # No learner id: the token is shown to anyone the holder shows it to.
        "iss": issuer,
        "jti": cert_id,
        "iat": int(issued_at.timestamp()),
        "name": decision.full_name,
        "course_version": exam.course_version,
        "exam": {"correct": exam.correct, "total": exam.total},
    }
    return {
        "_id": cert_id,
        "learner_id": decision.learner_id,
        "full_name": decision.full_name,
        "course_version": exam.course_version,
        "exam_attempt_id": exam.attempt_id,
        "exam_correct": exam.correct,
        "exam_total": exam.total,
        "issued_at": issued_at,
        "token": signer.sign(claims),
    }


def issued_event(doc: dict[str, Any]) -> ev.CertificateIssued:
    issued_at: datetime = doc["issued_at"]
    return ev.CertificateIssued(
        learner_id=doc["learner_id"],
        certificate_id=doc["_id"],
        course_version=doc["course_version"],
        full_name=doc["full_name"],
        exam_attempt_id=doc["exam_attempt_id"],
        exam_correct=doc["exam_correct"],
        exam_total=doc["exam_total"],
        issued_at=issued_at,
    )
