"""Restart after SIGKILL with 100,000 learners' state behind each stream service.

Seeds the running stack through Kafka, as production would fill it: a registration and a
lesson report per learner, so stats holds 100k learners' facts (MongoDB), certs 100k
certification states and grading 100k grading states (faust tables with changelogs).
Then kills each service with SIGKILL, starts it again and measures, from the start of the
new process: /healthz answering, and its consumer handling a new record again (a poison
record it must dead-letter: proof it consumes). Prints a table; the figures go to
docs/bench/README.md with the command.

    python -m tests.bench.bench_restart [LEARNERS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from hocvuso.devstack import SERVICES, Stack, running_stack
from hocvuso.domain import events as ev
from hocvuso.events.envelope import to_record
from tests.e2e.kafka_tools import RawRecord, dead_lettered, produce_all

NOW = datetime(2025, 11, 20, tzinfo=UTC)
INPUT = {
    "enrollment": ev.AttemptGraded.topic,
    "grading": ev.LessonProgressed.topic,
    "certs": ev.LearnerRegistered.topic,
    "stats": ev.LearnerRegistered.topic,
}


def seed(stack: Stack, learners: int) -> None:
    chunk = 20_000
    for start in range(0, learners, chunk):
        records: list[RawRecord] = []
        for n in range(start, min(start + chunk, learners)):
            learner = f"bench-{n:07d}"
            for event in (
                ev.LearnerRegistered(
                    learner_id=learner,
                    full_name=f"Học viên {n}",
                    category="citizen",
                    commune_code="21025",
                    course_version="v1",
                    registered_at=NOW,
                ),
                ev.LessonProgressed(
                    learner_id=learner,
                    course_version="v1",
                    lesson_id="t1-l1",
                    percent=60,
                    reported_at=NOW,
                ),
            ):
                r = to_record(event, "/bench")
                records.append((r.topic, r.key, r.value, r.headers))
        produce_all(stack, records)


def caught_up(stack: Stack, learners: int, timeout: float = 1200) -> float:
    """Wait until every consumer has handled everything and stats counts every learner."""
    started = time.monotonic()
    stats = httpx.Client(base_url=stack.url("stats"), timeout=10)
    while time.monotonic() - started < timeout:
        counted = stats.get("/v1/stats/province").json()["learners"] >= learners
        idle = all(_idle(stack, service) for service in ("grading", "certs", "stats"))
        if counted and idle:
            return time.monotonic() - started
        time.sleep(2)
    raise TimeoutError("the stack did not catch up with the seeded learners")


def _idle(stack: Stack, service: str) -> bool:
    detail = httpx.get(f"{stack.url(service)}/readyz?detail=1", timeout=10).json()
    consumers = detail.get("consumers", {}).values()
    return bool(consumers) and all(
        c["lag"] == 0 and c["seconds_since_progress"] > 3 for c in consumers
    )


def restart(stack: Stack, service: str) -> tuple[float, float]:
    stack.kill(service)
    stack.spawn_service(service)
    started = time.monotonic()
    healthz = _until(lambda: _answers(f"{stack.url(service)}/healthz"), started)
    (origin,) = produce_all(stack, [(INPUT[service], b"probe", b"\xff", [])])
    consuming = _until(lambda: dead_lettered(stack, service, {origin}), started)
    stack.wait_ready(service, timeout=600)
    return healthz, consuming


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _until(check, started: float, timeout: float = 600) -> float:  # type: ignore[no-untyped-def]
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError("no answer")
        time.sleep(0.1)
    return time.monotonic() - started


def main(learners: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        began = time.monotonic()
        seed(stack, learners)
        print(f"seeded {learners:,} learners in {time.monotonic() - began:.0f} s; ", end="")
        print(f"consumed after {caught_up(stack, learners):.0f} s more", flush=True)
        print(f"SIGKILL, then start again, with {learners:,} learners' state behind each:")
        print(f"  {'service':<11} {'/healthz answers':>17} {'consumer handles again':>23}")
        for service in SERVICES:
            healthz, consuming = restart(stack, service)
            print(f"  {service:<11} {healthz:>15.1f} s {consuming:>21.1f} s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
