"""The stored forms of core values: MongoDB documents and faust table bytes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from hocvuso.domain import events as ev
from hocvuso.domain.certification import CertificationState
from hocvuso.domain.enrollment import Learner
from hocvuso.domain.grading import GradingState, Outcome, StartedAttempt
from hocvuso.domain.progress import AttemptResult, Progress


def learner_to_doc(learner: Learner) -> dict[str, Any]:
    """Enrollment's learner as a MongoDB sub-document (datetimes kept as BSON dates)."""
    doc: dict[str, Any] = msgspec.to_builtins(learner, builtin_types=(datetime,))
    return doc


def learner_from_doc(doc: Mapping[str, Any]) -> Learner:
    return msgspec.convert(doc, Learner)


# Faust tables hold bytes. Grading's state is msgpack with positional fields: it is
# written for every event of a learner and kept for every learner, so size counts.
_encoder = msgspec.json.Encoder()
_packer = msgspec.msgpack.Encoder()


class _Attempt(msgspec.Struct, frozen=True, array_like=True):
    pool: str
    correct: int
    total: int
    passed: bool


class _Progress(msgspec.Struct, frozen=True, array_like=True):
    course_version: str
    lessons: dict[str, int]
    attempts: dict[str, _Attempt]
    certificate_id: str | None


class _Started(msgspec.Struct, frozen=True, array_like=True):
    pool: str
    question_ids: tuple[str, ...]


class _Graded(msgspec.Struct, frozen=True, array_like=True, tag="g"):
    event: ev.AttemptGraded


class _Rejected(msgspec.Struct, frozen=True, array_like=True, tag="r"):
    event: ev.AttemptRejected


class _StoredGrading(msgspec.Struct, frozen=True, array_like=True):
    """GradingState with the latest outcome tagged, since a bare union of two event types
    could not be told apart when read back."""

    progress: _Progress
    started: dict[str, _Started]
    latest: _Graded | _Rejected | None
    rejected: dict[str, str]


_grading_decoder = msgspec.msgpack.Decoder(_StoredGrading)


def _tagged(outcome: Outcome | None) -> _Graded | _Rejected | None:
    if outcome is None:
        return None
    if isinstance(outcome, ev.AttemptGraded):
        return _Graded(outcome)
    return _Rejected(outcome)


def encode_grading_state(state: GradingState) -> bytes:
    p = state.progress
    attempts = {k: _Attempt(a.pool, a.correct, a.total, a.passed) for k, a in p.attempts.items()}
    progress = _Progress(p.course_version, p.lessons, attempts, p.certificate_id)
    started = {k: _Started(a.pool, a.question_ids) for k, a in state.started.items()}
    stored = _StoredGrading(progress, started, _tagged(state.latest), dict(state.rejected))
    return _packer.encode(stored)


def decode_grading_state(data: bytes) -> GradingState:
    stored = _grading_decoder.decode(data)
    p = stored.progress
    attempts = {
        k: AttemptResult(a.pool, a.correct, a.total, a.passed) for k, a in p.attempts.items()
    }
    progress = Progress(p.course_version, p.lessons, attempts, p.certificate_id)
    started = {k: StartedAttempt(a.pool, a.question_ids) for k, a in stored.started.items()}
    latest = stored.latest.event if stored.latest is not None else None
    return GradingState(progress, started, latest, stored.rejected)


_certification_decoder = msgspec.json.Decoder(CertificationState)


def encode_certification_state(state: CertificationState) -> bytes:
    return _encoder.encode(state)


def decode_certification_state(data: bytes) -> CertificationState:
    return _certification_decoder.decode(data)
