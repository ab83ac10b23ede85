"""The one routine every consumer runs on every record: decode, handle, publish, classify.

- A record that does not decode or breaks the contract, or that the handler refuses with a
  permanent error, goes to the dead-letter topic with the error, its origin and its
  original bytes — at most once while this process runs — and its partition moves on.
- A transient failure (database or broker not answering) is retried with the shared
  backoff, for as long as it takes; it never dead-letters anything. The consumer's health
  shows the stall meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from prometheus_client import metrics

from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.consumer_health import ConsumerHealth
from hocvuso.adapters.failures import is_transient
from hocvuso.adapters.metrics import EVENTS_CONSUMED, TRANSIENT_FAILURES
from hocvuso.domain.events import Event
from hocvuso.domain.ports import EventHandler, EventPublisher
from hocvuso.events.envelope import InboundRecord, PoisonRecord, decode

log = logging.getLogger(__name__)
_HANDLE = "handle a record"
_REMEMBERED = 100_000  # dead-lettered origins kept to refuse a repeat: bounded memory


# Entered around the handling of the record at an index of a batch.
Around = Callable[[int], AbstractContextManager[None]]
# Keeps what the handler left to be saved once per batch.
Save = Callable[[], Awaitable[None]]


def as_is(_: int) -> AbstractContextManager[None]:
    return nullcontext()


class BusPublisher(EventPublisher, Protocol):
    """The core's publisher port, plus what only the bus does: dead-lettering a record."""

    async def dead_letter(self, record: InboundRecord, error: str) -> None: ...


class Delivery:
    def __init__(
        self,
        service: str,
        handler: EventHandler,
        publisher: BusPublisher,
        health: ConsumerHealth,
    ) -> None:
        self.service = service
        self.health = health
        self._handler = handler
        self._publisher = publisher
        self._dead_lettered: OrderedDict[str, None] = OrderedDict()
        self._counters: dict[str, metrics.Counter] = {}

    async def deliver(self, record: InboundRecord) -> None:
        """One record, its effect kept once this returns: a batch of one."""
        await self.deliver_batch([record])
        self.health.handled_batch([record])

    async def deliver_batch(
        self, records: Sequence[InboundRecord], each: Around = as_is, save: Save | None = None
    ) -> None:
        """Deliver records in order, the bookkeeping done once for all of them; their
        results go out together at the end, acknowledged before this returns (and so
        before the records' offsets can be committed). `each(i)` is entered around the
        handling of record i, for a client that wants its own context set; `save`, run
        beside the publishing (and retried the same way), keeps state the handler left
        for the end of the batch. The caller marks the records handled
        (`health.handled_batch`) once their effect is kept."""
        self.health.received_batch(records)
        consumed: Counter[str] = Counter()
        results: list[Event] = []
        for index, record in enumerate(records):
            with each(index):
                type_name = await self._deliver(record, results)
            if type_name is not None:
                consumed[type_name] += 1
        ending = [until_done(save, "save state")] if save is not None else []
        if results:
            ending.append(until_done(lambda: self._publisher.publish(results), "publish results"))
        await asyncio.gather(*ending)
        for type_name, count in consumed.items():
            self._consumed(type_name).inc(count)

    async def _deliver(self, record: InboundRecord, results: list[Event]) -> str | None:
        """Decode and handle, adding the results to `results`; the type of the event
        handled, None if the record was dead-lettered."""
        try:
            event = decode(record)
        except PoisonRecord as exc:
            await self._dead_letter(record, f"PoisonRecord: {exc}")
            return None
        results += await self._handle(event, record)
        return event.type_name

    async def _handle(self, event: Event, record: InboundRecord) -> Sequence[Event]:
        def handle() -> Awaitable[Sequence[Event]]:
            return self._handler(event, record.partition)

        try:
            try:  # every record of the province comes here: no retry loop until one fails
                return await handle()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                TRANSIENT_FAILURES.labels(_HANDLE).inc()
            return await until_done(handle, _HANDLE)
        except Exception as exc:  # not transient: this record can never be processed
            await self._dead_letter(record, f"{type(exc).__name__}: {exc}")
            return ()

    def _consumed(self, type_name: str) -> metrics.Counter:
        counter = self._counters.get(type_name)
        if counter is None:
            counter = self._counters[type_name] = EVENTS_CONSUMED.labels(self.service, type_name)
        return counter

    async def _dead_letter(self, record: InboundRecord, error: str) -> None:
        if record.origin in self._dead_lettered:
            return
        await until_done(lambda: self._publisher.dead_letter(record, error), "dead-letter")
        self._dead_lettered[record.origin] = None
        if len(self._dead_lettered) > _REMEMBERED:
            self._dead_lettered.popitem(last=False)
