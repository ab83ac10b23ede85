"""The publisher keeps aiokafka's metadata of every topic it sends to.

aiokafka refreshes only the topics it tracks once it tracks any; a topic tracked alone
(the dead-letter topic, a changelog) would drop the others from the next refresh and leave
their records waiting for a leader until they time out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from hocvuso.adapters.kafka import Publisher
from hocvuso.domain import events as ev
from hocvuso.events.envelope import InboundRecord
from hocvuso.settings import KafkaSettings

KNOWN = {"hocvuso.learners.v1", "hocvuso.progress.v1", "hocvuso.attempts.v1"}


class _Cluster:
    def topics(self) -> set[str]:
        return set(KNOWN)


class _Client:
    def __init__(self) -> None:
        self.cluster = _Cluster()
        self.tracked: list[list[str]] = []

    async def set_topics(self, topics: list[str]) -> None:
        self.tracked.append(topics)


class _Producer:
    def __init__(self) -> None:
        self.client = _Client()
        self.sent: list[str] = []

    async def send(self, topic: str, value: bytes, **_: Any) -> asyncio.Future[None]:
        self.sent.append(topic)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def send_and_wait(self, topic: str, value: bytes | None, **_: Any) -> None:
        self.sent.append(topic)


def test_the_first_send_tracks_every_known_topic_and_a_dead_letter_keeps_them() -> None:
    async def scenario() -> _Producer:
        publisher = Publisher(KafkaSettings(), "enrollment")
        producer = _Producer()
        publisher._producer = producer  # type: ignore[assignment]
        registered = ev.LearnerRegistered(
            learner_id="l1",
            full_name="Lê Văn Tám",
            category="citizen",
            commune_code="21025",
            course_version="v1",
            registered_at=datetime(2025, 11, 3, tzinfo=UTC),
        )
        await publisher.publish([registered, registered])
        bad = InboundRecord("hocvuso.grades.v1", 0, 7, b"k", b"\xff", ())
        await publisher.dead_letter(bad, "PoisonRecord: not JSON")
        await publisher.publish([registered])
        return producer

    producer = asyncio.run(scenario())
    first, *later = producer.client.tracked
    assert set(first) == KNOWN, "the first topic sent to brings every known topic"
    assert [set(t) for t in later] == [KNOWN | {ev.DEAD_LETTER_TOPIC}]
    assert producer.sent == [
        *["hocvuso.learners.v1"] * 2,
        ev.DEAD_LETTER_TOPIC,
        "hocvuso.learners.v1",
    ]
