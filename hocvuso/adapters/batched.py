"""A consumer whose records take effect together, in the flush before the commit.

Its handler only collects; `flush` applies what was collected. A record counts as handled
(for lag and stall) once its effect is stored, so a flush that waits out a database
outage shows as a stall, as a handler waiting it out would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from hocvuso.adapters.consumer_health import ConsumerHealth
from hocvuso.domain.events import Event
from hocvuso.events.envelope import InboundRecord

Apply = Callable[[Sequence[Event]], Awaitable[None]]


class DeferredHealth(ConsumerHealth):
    """Holds the records the handler saw until `settle` says their effect is stored."""

    def __init__(self, service: str, name: str, stall_after: float) -> None:
        super().__init__(service, name, stall_after)
        self._held: list[InboundRecord] = []

    def handled(self, record: InboundRecord) -> None:
        self._held.append(record)

    def settle(self) -> None:
        for record in self._held:
            super().handled(record)
        self._held.clear()


class Batched:
    def __init__(self, apply: Apply, health: DeferredHealth) -> None:
        self._apply = apply
        self._health = health
        self._events: list[Event] = []

    async def collect(self, event: Event, partition: int) -> Sequence[Event]:
        self._events.append(event)
        return ()

    async def flush(self) -> None:
        taken = len(self._events)
        await self._apply(self._events[:taken])
        del self._events[:taken]
        self._health.settle()
