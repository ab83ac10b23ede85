"""Brings grading's results and issued certificates back into the learner's view."""

from __future__ import annotations

import logging

from aiokafka import ConsumerRecord

from hocvuso.adapters.kafka import Publisher
from hocvuso.adapters.metrics import EVENTS_CONSUMED
from hocvuso.domain import progress as facts
from hocvuso.domain.events import (
    AttemptGraded,
    AttemptRejected,
    CertificateIssued,
    Event,
)
from hocvuso.events.envelope import UndecodableEvent, from_record
from services.enrollment.store import EnrollmentStore, LearnerNotFound

log = logging.getLogger(__name__)
TOPICS = (AttemptGraded.topic, CertificateIssued.topic)


class ResultProjection:
    def __init__(self, store: EnrollmentStore, publisher: Publisher) -> None:
        self._store = store
        self._publisher = publisher

    async def handle_batch(self, records: list[ConsumerRecord]) -> None:
        for record in records:
            try:
                event = from_record(record.headers, record.value)
                await self._handle(event)
            except (UndecodableEvent, facts.RuleViolation, LearnerNotFound) as exc:
                await self._publisher.dead_letter(record, f"{type(exc).__name__}: {exc}")
                continue
            EVENTS_CONSUMED.labels("enrollment", event.type_name).inc()

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
