"""Brings grading's results and issued certificates back into the learner's view."""

from __future__ import annotations

from collections.abc import Sequence

from hocvuso.domain import progress as facts
from hocvuso.domain.events import (
    AttemptGraded,
    AttemptRejected,
    CertificateIssued,
    Event,
)
from services.enrollment.store import EnrollmentStore

TOPICS = (AttemptGraded.topic, CertificateIssued.topic)


class ResultProjection:
    def __init__(self, store: EnrollmentStore) -> None:
        self._store = store

    async def handle(self, event: Event, partition: int) -> Sequence[Event]:
        await self._handle(event)
        return ()

    async def _handle(self, event: Event) -> None:
        if isinstance(event, AttemptGraded):
            fact = facts.AttemptGraded(event.attempt_id, event.pool, event.correct, event.total)
            await self._store.apply_fact(event.learner_id, fact)
            result = {"correct": event.correct, "total": event.total, "passed": event.passed}
            await self._store.record_result(
                event.attempt_id, {"status": "graded", "result": result}
            )
        elif isinstance(event, AttemptRejected):
            await self._store.record_result(
                event.attempt_id, {"status": "rejected", "reason": event.reason}
            )
        elif isinstance(event, CertificateIssued):
            await self._store.attach_certificate(event.learner_id, event.certificate_id)
