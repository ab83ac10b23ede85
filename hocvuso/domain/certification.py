"""Who earns a certificate, and when to issue it.

A certificate needs the learner's name, from the learners topic, and a passed final exam,
from the grades topic. The two topics have no order between them, so the per-learner
state remembers whichever comes first, and the certificate is issued when both are known:
never signed without a name.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, replace

from hocvuso.domain import events as ev
from hocvuso.domain.course import FINAL_POOL


def certificate_id(learner_id: str, course_version: str, secret: bytes) -> str:
    """The same learner and course version always get the same id, so reissuing is a no-op;
    keyed with the issuer's secret, so that nobody can compute it from a learner id."""
    message = f"{learner_id}|{course_version}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def earns_certificate(event: ev.Event) -> bool:
    return isinstance(event, ev.AttemptGraded) and event.pool == FINAL_POOL and event.passed


@dataclass(frozen=True, slots=True)
class CertificationState:
    full_name: str | None = None  # None until the registration is read
    passed_exam: ev.AttemptGraded | None = None  # waits here for the name
    issued: bool = False  # the certificate was decided on at least once


@dataclass(frozen=True, slots=True)
class IssueCertificate:
    learner_id: str
    full_name: str
    exam: ev.AttemptGraded


def decide(
    state: CertificationState | None, event: ev.Event
) -> tuple[CertificationState | None, IssueCertificate | None]:
    """The learner's next state, and the certificate to issue if the event completes it.

    Each time the registration or a passed exam arrives with the other already known,
    the decision is taken again: a redelivery must be able to finish an issuance a crash
    interrupted, and the certificate store keeps the first one only. What is known first
    stays: a later event cannot change the name or the exam a certificate is based on.
    """
    if isinstance(event, ev.LearnerRegistered):
        known = state or CertificationState()
        state = replace(known, full_name=known.full_name or event.full_name)
    elif isinstance(event, ev.AttemptGraded) and earns_certificate(event):
        known = state or CertificationState()
        state = replace(known, passed_exam=known.passed_exam or event)
    else:
        return state, None  # nothing about a certificate: state as it was, even None
    if state.full_name is None or state.passed_exam is None:
        return state, None
    decision = IssueCertificate(event.learner_id, state.full_name, state.passed_exam)
    return replace(state, issued=True), decision
