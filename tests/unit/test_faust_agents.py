"""The faust agents of grading and certs, driven through `agent.test_context()`: no
broker, no database, the same delivery routine as in production."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from hocvuso.adapters.faust_app import TAKE_WITHIN_SECONDS, FaustWorker
from hocvuso.adapters.runtime import Runtime
from hocvuso.course_files import packaged_catalog
from hocvuso.domain import events as ev
from hocvuso.events.envelope import InboundRecord, to_record
from hocvuso.settings import Settings
from hocvuso.signing import Signer, new_key
from services.certs.app import build_worker as certs_worker
from services.grading.app import build_worker as grading_worker
from tests.fakes import MemoryCertificates

NOW = datetime(2025, 11, 20, 3, tzinfo=UTC)
COURSE = packaged_catalog()["v1"]


class Bus:
    def __init__(self) -> None:
        self.published: list[ev.Event] = []
        self.dead: list[tuple[str, str]] = []
        self.changelog: dict[tuple[str, int], list[tuple[bytes, bytes]]] = {}

    async def publish(self, events: Sequence[ev.Event], ce_ids: Sequence[str] = ()) -> None:
        self.published += events

    async def dead_letter(self, record: InboundRecord, error: str) -> None:
        self.dead.append((record.origin, error))

    async def append(
        self, topic: str, records: Mapping[int, Sequence[tuple[bytes, bytes]]]
    ) -> dict[int, int]:
        """A table's changelog: each partition's records counted from offset 0."""
        last = {}
        for partition, pairs in records.items():
            self.changelog.setdefault((topic, partition), []).extend(pairs)
            last[partition] = len(self.changelog[(topic, partition)]) - 1
        return last


def feed(worker: FaustWorker, *items: ev.Event | bytes) -> None:
    """Put each event (or raw poison bytes) through the worker's agent, in order."""
    agent = next(iter(worker.app.agents.values()))

    async def run() -> None:
        async with agent.test_context() as context:
            for item in items:
                if isinstance(item, bytes):
                    await context.put(value=item, key=b"l1", headers=[])
                    continue
                record = to_record(item, "/tests")
                await context.put(value=record.value, key=record.key, headers=record.headers)
            # The agent takes records in batches: give it the time to take the last one.
            await asyncio.sleep(TAKE_WITHIN_SECONDS * 20)

    asyncio.run(run())


def started(attempt_id: str, pool: str) -> ev.AttemptStarted:
    questions = sorted(q.id for q in COURSE.pool(pool))[: COURSE.rules.questions_for(pool)]
    return ev.AttemptStarted(
        learner_id="l1",
        attempt_id=attempt_id,
        course_version="v1",
        pool=pool,
        question_ids=questions,
        started_at=NOW,
    )


def submitted(attempt: ev.AttemptStarted, right: int) -> ev.AttemptSubmitted:
    answers = {
        q: COURSE.questions[q].answer if i < right else (COURSE.questions[q].answer + 1) % 4
        for i, q in enumerate(attempt.question_ids)
    }
    return ev.AttemptSubmitted(
        learner_id="l1", attempt_id=attempt.attempt_id, answers=answers, submitted_at=NOW
    )


def test_grading_scores_once_answers_a_redelivery_alike_and_dead_letters_poison(
    tmp_path: Path,
) -> None:
    bus = Bus()
    runtime = Runtime(Settings(state_dir=tmp_path), "grading", None, bus)  # type: ignore[arg-type]
    worker = grading_worker(runtime, packaged_catalog())
    quiz = started("a1", "1")
    feed(worker, quiz, submitted(quiz, 4), b"\xff not an event", submitted(quiz, 4))
    graded = [e for e in bus.published if isinstance(e, ev.AttemptGraded)]
    assert len(graded) == 2 and graded[0] == graded[1], "the stored outcome, again"
    assert (graded[0].correct, graded[0].passed) == (4, True)
    assert len(bus.dead) == 1 and bus.dead[0][1].startswith("PoisonRecord:")


def test_certs_waits_for_the_name_before_it_signs(tmp_path: Path) -> None:
    bus, certificates = Bus(), MemoryCertificates()
    runtime = Runtime(Settings(state_dir=tmp_path), "certs", None, bus)  # type: ignore[arg-type]
    worker = certs_worker(runtime, certificates, Signer(new_key()))
    exam = ev.AttemptGraded(
        learner_id="l1",
        attempt_id="exam",
        course_version="v1",
        pool="final",
        correct=25,
        total=30,
        passed=True,
        graded_at=NOW,
    )
    registered = ev.LearnerRegistered(
        learner_id="l1",
        full_name="Phan Thị Bảy",
        category="citizen",
        commune_code="21025",
        course_version="v1",
        registered_at=NOW,
    )
    feed(worker, exam)
    assert bus.published == [] and certificates.docs == {}, "no certificate without a name"
    feed(worker, registered)
    (issued,) = bus.published
    assert isinstance(issued, ev.CertificateIssued) and issued.full_name == "Phan Thị Bảy"
    assert list(certificates.docs) == [issued.certificate_id]


def test_grading_state_is_saved_once_per_batch_to_the_changelog_and_the_store(
    tmp_path: Path,
) -> None:
    bus = Bus()
    runtime = Runtime(Settings(state_dir=tmp_path), "grading", None, bus)  # type: ignore[arg-type]
    quiz = started("a1", "1")
    before = grading_worker(runtime, packaged_catalog())
    feed(before, quiz, submitted(quiz, 4))
    asyncio.run(before.app.tables["grading-learners"].data.stop())  # as a stopping worker
    ((topic, _), records), *others = bus.changelog.items()
    assert topic == "hocvuso-grading-grading-learners-changelog" and not others
    assert [key for key, _ in records] == [b'"l1"'], "one write for the learner's two events"
    # A new worker on the same state directory reads the state back from RocksDB: the
    # submission seen again is answered from it, not graded again.
    feed(grading_worker(runtime, packaged_catalog()), submitted(quiz, 4))
    first, again = (e for e in bus.published if isinstance(e, ev.AttemptGraded))
    assert first == again
    assert len(bus.changelog[(topic, 0)]) == 1, "an unchanged state is not written again"
