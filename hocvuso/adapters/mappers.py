"""The stored forms of core values: MongoDB documents and faust table bytes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import msgspec

from hocvuso.domain import events as ev
from hocvuso.domain.certification import CertificationState
from hocvuso.domain.enrollment import Attempt, Learner, Result
from hocvuso.domain.grading import GradingState, Outcome, StartedAttempt
from hocvuso.domain.progress import AttemptResult, Progress


class _StoredAttempt(msgspec.Struct, frozen=True, array_like=True):
    """An attempt as a row: its id is the key it is stored under, and its answers follow
    the order of its questions. Every write of a learner rewrites every attempt they
    took, and a database that stores documents as JSON text (nx-27017) spends its time
    in proportion: a quiz attempt is ~110 bytes this way, ~400 with field names."""

    pool: str
    question_ids: tuple[str, ...]
    started_at: datetime
    status: str
    answers: list[int] | dict[str, int] | None
    result: tuple[int, int, bool] | None
    reason: str | None


def _attempt_row(a: Attempt) -> _StoredAttempt:
    answers: list[int] | dict[str, int] | None = None if a.answers is None else dict(a.answers)
    if a.answers is not None and a.answers.keys() == set(a.question_ids):
        answers = [a.answers[q] for q in a.question_ids]
    result = None if a.result is None else (a.result.correct, a.result.total, a.result.passed)
    return _StoredAttempt(a.pool, a.question_ids, a.started_at, a.status, answers, result, a.reason)


def _attempt_of(attempt_id: str, row: Any) -> Attempt:
    if isinstance(row, Mapping):  # written before attempts were stored as rows
        return msgspec.convert({"attempt_id": attempt_id, **row}, Attempt)
    r = msgspec.convert(row, _StoredAttempt)
    answers = (
        dict(zip(r.question_ids, r.answers, strict=True))
        if isinstance(r.answers, list)
        else r.answers
    )
    return Attempt(
        attempt_id=attempt_id,
        pool=r.pool,
        question_ids=r.question_ids,
        started_at=r.started_at,
        status=r.status,  # type: ignore[arg-type]  # written from an Attempt's status
        answers=answers,
        result=None
        if r.result is None
        else Result(correct=r.result[0], total=r.result[1], passed=r.result[2]),
        reason=r.reason,
    )


def learner_to_doc(learner: Learner) -> dict[str, Any]:
    """Enrollment's learner as a MongoDB sub-document (datetimes kept as BSON dates)."""
    rows = {k: _attempt_row(a) for k, a in learner.attempts.items()}
    doc: dict[str, Any] = msgspec.to_builtins(
        replace(learner, attempts={}), builtin_types=(datetime,)
    )
    doc["attempts"] = msgspec.to_builtins(rows, builtin_types=(datetime,))
    return doc


def learner_from_doc(doc: Mapping[str, Any]) -> Learner:
    attempts = {k: _attempt_of(k, row) for k, row in doc.get("attempts", {}).items()}
    learner = msgspec.convert({**doc, "attempts": {}}, Learner)
    return replace(learner, attempts=attempts)


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
