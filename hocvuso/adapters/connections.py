"""What the plain-aiokafka services hold open: a database client, a publisher, a consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from pymongo import AsyncMongoClient

from hocvuso.adapters import mongo
from hocvuso.adapters.kafka import BatchConsumer, Publisher, ensure_topics
from hocvuso.settings import Settings


@dataclass
class Connections:
    settings: Settings
    service: str
    client: AsyncMongoClient
    publisher: Publisher
    consumers: list[BatchConsumer] = field(default_factory=list)

    def database(self, owner: str | None = None):
        return mongo.database(self.client, self.settings.mongo, owner or self.service)

    async def start_consumer(self, consumer: BatchConsumer) -> None:
        await consumer.start()
        self.consumers.append(consumer)

    async def readiness(self) -> dict[str, bool]:
        return {
            "database": await mongo.ping(self.client),
            "broker": self.publisher.started,
            "consumer": bool(self.consumers) and all(c.running for c in self.consumers),
        }


@asynccontextmanager
async def connected(settings: Settings, service: str) -> AsyncIterator[Connections]:
    """Open everything in order and close it in reverse, whatever happens in between."""
    client = mongo.connect(settings.mongo)
    try:
        await ensure_topics(settings.kafka)
        publisher = Publisher(settings.kafka, service)
        await publisher.start()
        parts = Connections(settings, service, client, publisher)
        try:
            yield parts
        finally:
            for consumer in reversed(parts.consumers):
                await consumer.stop()
            await publisher.stop()
    finally:
        await client.close()
