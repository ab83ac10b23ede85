"""Turning a passed final exam into one signed certificate per learner and course version."""

from __future__ import annotations

import uuid
from datetime import datetime

from hocvuso.domain import events as ev
from hocvuso.domain.course import FINAL_POOL
from hocvuso.signing import Signer

_CERT_NAMESPACE = uuid.UUID("9a1f6c47-1f4e-4f0e-8a57-2f1b86f3c0d5")


def certificate_id(learner_id: str, course_version: str) -> str:
    """The same learner and course version always get the same id, so reissuing is a no-op."""
    return str(uuid.uuid5(_CERT_NAMESPACE, f"{learner_id}|{course_version}"))


def earns_certificate(event: ev.Event) -> bool:
    return isinstance(event, ev.AttemptGraded) and event.pool == FINAL_POOL and event.passed


def issue(graded: ev.AttemptGraded, full_name: str | None, issuer: str, signer: Signer) -> dict:
    """The certificate document: its public fields and the signed token over them."""
    cert_id = certificate_id(graded.learner_id, graded.course_version)
    issued_at = graded.graded_at
    claims = {
        "iss": issuer,
        "sub": graded.learner_id,
        "jti": cert_id,
        "iat": int(issued_at.timestamp()),
        "name": full_name,
        "course_version": graded.course_version,
        "exam": {"correct": graded.correct, "total": graded.total},
    }
    return {
        "_id": cert_id,
        "learner_id": graded.learner_id,
        "full_name": full_name,
        "course_version": graded.course_version,
        "exam_attempt_id": graded.attempt_id,
        "exam_correct": graded.correct,
        "exam_total": graded.total,
        "issued_at": issued_at,
        "token": signer.sign(claims),
    }


def issued_event(doc: dict) -> ev.CertificateIssued:
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
