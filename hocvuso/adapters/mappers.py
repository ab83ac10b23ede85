"""The stored forms of core values: MongoDB documents and faust table bytes."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from hocvuso.domain import events as ev
from hocvuso.domain.certification import CertificationState
from hocvuso.domain.grading import GradingState, Outcome, StartedAttempt
from hocvuso.domain.progress import AttemptResult, Progress


def progress_to_dict(progress: Progress) -> dict[str, object]:
    return {
        "course_version": progress.course_version,
        "lessons": dict(progress.lessons),
        "attempts": {k: vars(v) for k, v in progress.attempts.items()},
        "certificate_id": progress.certificate_id,
    }


def progress_from_dict(data: Mapping) -> Progress:
    return Progress(
        course_version=data["course_version"],
        lessons={k: int(v) for k, v in data.get("lessons", {}).items()},
        attempts={k: AttemptResult(**v) for k, v in data.get("attempts", {}).items()},
        certificate_id=data.get("certificate_id"),
    )


# Faust tables hold bytes: msgspec JSON, readable when someone inspects a changelog topic.
_encoder = msgspec.json.Encoder()


class _Graded(msgspec.Struct, frozen=True, tag="graded"):
    event: ev.AttemptGraded


class _Rejected(msgspec.Struct, frozen=True, tag="rejected"):
    event: ev.AttemptRejected


class _StoredGrading(msgspec.Struct, frozen=True):
    """GradingState with each outcome tagged, since a bare union of two event types
    could not be told apart when read back."""

    progress: Progress
    started: dict[str, StartedAttempt]
    outcomes: dict[str, _Graded | _Rejected]


_grading_decoder = msgspec.json.Decoder(_StoredGrading)


def _tagged(outcome: Outcome) -> _Graded | _Rejected:
    if isinstance(outcome, ev.AttemptGraded):
        return _Graded(outcome)
    return _Rejected(outcome)


def encode_grading_state(state: GradingState) -> bytes:
    outcomes = {attempt: _tagged(o) for attempt, o in state.outcomes.items()}
    return _encoder.encode(_StoredGrading(state.progress, dict(state.started), outcomes))


def decode_grading_state(data: bytes) -> GradingState:
    stored = _grading_decoder.decode(data)
    outcomes = {attempt: tagged.event for attempt, tagged in stored.outcomes.items()}
    return GradingState(progress=stored.progress, started=stored.started, outcomes=outcomes)


_certification_decoder = msgspec.json.Decoder(CertificationState)


def encode_certification_state(state: CertificationState) -> bytes:
    return _encoder.encode(state)


def decode_certification_state(data: bytes) -> CertificationState:
    return _certification_decoder.decode(data)
