"""What every service holds open, started in order and stopped in reverse: the one lifespan.

A service declares its consumers and background tasks in a `setup` function; the runtime
owns the database client and the publisher, and answers readiness from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hocvuso.adapters import mongo
from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.consumer_health import ConsumerHealth
from hocvuso.adapters.delivery import Delivery
from hocvuso.adapters.kafka import Publisher, ensure_topics
from hocvuso.domain.ports import EventHandler
from hocvuso.settings import Settings

log = logging.getLogger(__name__)


class Consumer(Protocol):
    name: str

    @property
    def running(self) -> bool: ...

    @property
    def healths(self) -> list[ConsumerHealth]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    service: str
    client: AsyncMongoClient[dict[str, Any]]
    publisher: Publisher
    # A process that serves no routes of its own is only as ready as its consumers.
    consumes_only: bool = False
    consumers: list[Consumer] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def database(self, owner: str | None = None) -> AsyncDatabase[dict[str, Any]]:
        return mongo.database(self.client, self.settings.mongo, owner or self.service)

    def delivery(self, handler: EventHandler, name: str) -> Delivery:
        health = ConsumerHealth(self.service, name, self.settings.kafka.stall_after_seconds)
        return Delivery(self.service, handler, self.publisher, health)

    async def start_consumer(self, consumer: Consumer) -> None:
        """Join the consumer group in the background: joining waits for the broker (and,
        after a crash, for the old member's session to expire), HTTP need not."""
        self.consumers.append(consumer)

        async def start() -> None:
            await until_done(consumer.start, f"start consumer {consumer.name}")

        self.tasks.append(asyncio.create_task(start(), name=f"start {consumer.name}"))

    def run_in_background(self, work: Callable[[], Awaitable[None]], name: str) -> None:
        self.tasks.append(asyncio.create_task(_forever(work, name), name=name))

    async def readiness(self, detail: bool = False) -> tuple[bool, dict[str, Any]]:
        consumers = {
            health.name: {"running": c.running, **health.snapshot()}
            for c in self.consumers
            for health in c.healths
        }
        consumers_ok = all(v["running"] and not v["stalled"] for v in consumers.values())
        if self.consumes_only:
            ready, checks = consumers_ok, {"consumers": consumers_ok}
        else:
            database = await mongo.ping(self.client)
            ready, checks = database, {"database": database}
        body: dict[str, Any] = {"status": "ready" if ready else "not ready", "checks": checks}
        if detail:
            body["consumers"] = consumers
            body["broker"] = self.publisher.started
        return ready, body

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for consumer in reversed(self.consumers):
            await consumer.stop()
        await self.publisher.stop()


async def _forever(work: Callable[[], Awaitable[None]], name: str) -> None:
    """Keep a background loop alive: an unexpected error is logged and the loop restarted."""
    while True:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; restarting it in 1 s", name)
            await asyncio.sleep(1.0)


_YOUNG_COLLECTION_EVERY = 20_000


def _exempt_from_collection() -> None:
    """Every object alive once a service has started (modules, classes, the app, master
    data) lives as long as the process: leave it out of the garbage collector's full
    passes, which otherwise scan it all again and again, pausing every request (up to
    300 ms each, 10% of enrollment's time at 1,000 requests/s, measured)."""
    gc.collect()
    gc.freeze()
    # Most objects a request makes die by reference counting; collecting the young
    # generation every 700 allocations (the default) mostly finds nothing to free.
    gc.set_threshold(_YOUNG_COLLECTION_EVERY, 10, 10)


Setup = Callable[[Runtime, FastAPI], Awaitable[None]]
Lifespan = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]


def service_lifespan(
    settings: Settings, service: str, setup: Setup, consumes_only: bool = False
) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = mongo.connect(settings.mongo)
        try:
            await until_done(lambda: ensure_topics(settings.kafka), "create topics")
            publisher = Publisher(settings.kafka, service)
            await until_done(publisher.start, "connect the publisher")
            runtime = Runtime(settings, service, client, publisher, consumes_only)
            app.state.runtime = runtime
            try:
                await setup(runtime, app)
                _exempt_from_collection()
                yield
            finally:
                await runtime.close()
        finally:
            await client.close()

    return lifespan
