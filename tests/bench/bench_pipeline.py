"""Throughput of the hot paths of the pure core, as ratios measured in one run.

Run with `make bench`. The machine is shared and noisy, so absolute rates are shown but
the ratios to a baseline measured in the same run are what to compare across runs.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from hocvuso.domain import events as ev
from hocvuso.domain.counters import CounterBook
from hocvuso.events.envelope import InboundRecord, decode, to_record
from hocvuso.reference_data import communes, units

EVENTS = 200_000


def synthetic_records(n: int) -> list[tuple[list, bytes]]:
    rnd = random.Random(7)
    codes = [c.official_code for c in communes()]
    now = datetime(2025, 11, 3, tzinfo=UTC)
    learners = [f"l{i:07d}" for i in range(n // 4)]
    out = []
    for i in range(n):
        learner = rnd.choice(learners)
        kind = i % 4
        if kind == 0:
            event: ev.Event = ev.LearnerRegistered(
                learner_id=learner,
                full_name="Nguyễn Văn A",
                category="citizen",
                commune_code=rnd.choice(codes),
                course_version="v1",
                registered_at=now,
            )
        elif kind == 3 and rnd.random() < 0.3:
            event = ev.CertificateIssued(
                learner_id=learner,
                certificate_id=learner,
                course_version="v1",
                full_name=None,
                exam_attempt_id="e",
                exam_correct=25,
                exam_total=30,
                issued_at=now,
            )
        else:
            event = ev.TopicCompleted(
                learner_id=learner,
                course_version="v1",
                topic_number=rnd.randint(1, 5),
                completed_at=now,
            )
        r = to_record(event, "/bench")
        out.append(InboundRecord(r.topic, 0, len(out), r.key, r.value, tuple(r.headers)))
    return out


def rate(label: str, fn: Callable[[], None], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    per_second = n / best
    print(f"  {label:<48} {per_second:>12,.0f} events/s")
    return per_second


def main() -> None:
    records = synthetic_records(EVENTS)
    parents = {u.code: u.parent for u in units()}
    print(f"{EVENTS:,} synthetic events (registrations, completions, certificates), best of 3")

    def json_only() -> None:
        for record in records:
            json.loads(record.value or b"")

    def decode_typed() -> None:
        for record in records:
            decode(record)

    def decode_and_count() -> None:
        book = CounterBook(parents)
        for record in records:
            event = decode(record)
            if isinstance(event, ev.LearnerRegistered):
                book.register(event.learner_id, event.category, event.commune_code, event.unit_code)
            elif isinstance(event, ev.TopicCompleted):
                book.complete_topic(event.learner_id, event.topic_number)
            else:
                book.certify(event.learner_id)
            if len(book.dirty_learners) >= 2000:  # what one consumed batch flushes
                book.take_dirty()

    baseline = rate("json.loads only (baseline)", json_only, EVENTS)
    typed = rate("typed decode with envelope (msgspec)", decode_typed, EVENTS)
    counted = rate("decode + idempotent per-learner counting", decode_and_count, EVENTS)
    print(f"ratio typed decode / json baseline:     {typed / baseline:5.2f}")
    print(f"ratio decode+count / json baseline:     {counted / baseline:5.2f}")


if __name__ == "__main__":
    main()
