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
from hocvuso.domain.progress import Progress
from hocvuso.domain.reference import Commune, Unit


def learner_to_doc(learner: Learner) -> dict[str, Any]:
    """Enrollment's learner as a MongoDB sub-document (datetimes kept as BSON dates)."""
    doc: dict[str, Any] = msgspec.to_builtins(learner, builtin_types=(datetime,))
    return doc


def learner_from_doc(doc: Mapping[str, Any]) -> Learner:
    return msgspec.convert(doc, Learner)


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


def commune_doc(commune: Commune) -> dict[str, object]:
    """A commune as stored: keyed by its official code, which never changes."""
    return {
        "_id": commune.official_code,
        "name": commune.name,
        "kind": commune.kind,
        "population": commune.population,
    }


def unit_doc(unit: Unit) -> dict[str, object]:
    return {
        "_id": unit.code,
        "name": unit.name,
        "group": unit.group,
        "parent": unit.parent,
        "commune": unit.commune,
    }
