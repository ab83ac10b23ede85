"""The relay: hands the events accepted into MongoDB to Kafka, in order, at least once.

It wakes as soon as a request stored an event and takes what this process wrote from
memory (`unsent`), without reading it back; every `sweep_seconds` it also reads the
database for what an earlier process (or another instance) left behind. A document's
events are acknowledged only after the broker acknowledged them, so a crash repeats a
publication — with the same `ce_id` — and never drops one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.kafka import Publisher
from hocvuso.adapters.metrics import OUTBOX_PENDING
from hocvuso.adapters.repositories import OutboxStore

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        store: OutboxStore,
        publisher: Publisher,
        service: str,
        batch: int = 200,
        sweep_seconds: float = 1.0,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._batch = batch
        self._sweep_seconds = sweep_seconds
        self._wake = asyncio.Event()
        self._pending_estimate = 0
        self._next_sweep = 0.0  # the first round reads the database
        OUTBOX_PENDING.labels(service).set_function(lambda: self._pending_estimate)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            relayed = await self.relay_once()
            await until_done(self._store.clear_relayed, "clear the relayed outbox")
            if relayed < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._sweep_seconds)
                self._wake.clear()

    async def relay_once(self) -> int:
        """Publish one batch of pending documents; returns how many it relayed."""
        # What this process wrote is taken every round: the sweep leaves it out, so a round
        # that only swept could leave a last event waiting for the next request's wake-up.
        pending = self._store.unsent(self._batch)
        room = self._batch - len(pending)
        if room > 0 and time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self._sweep_seconds
            pending += await until_done(lambda: self._store.pending(room), "read the outbox")
        self._pending_estimate = sum(len(p.events) for p in pending)
        if not pending:
            return 0
        outgoing = [o for p in pending for o in p.events]
        await until_done(
            lambda: self._publisher.publish(
                [o.event for o in outgoing], [o.ce_id for o in outgoing]
            ),
            "publish the outbox",
        )
        await until_done(lambda: self._store.acknowledge(pending), "acknowledge the outbox")
        self._pending_estimate = 0
        return len(pending)
