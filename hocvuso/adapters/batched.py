"""A consumer whose records take effect together, in the flush before the commit.

Its handler only collects; `flush` applies what was collected. The batch consumer counts
the records handled (for lag and stall) only after the flush, so a flush that waits out
a database outage shows as a stall.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from hocvuso.adapters.kafka import Positions
from hocvuso.domain.events import Event

Apply = Callable[[Sequence[Event]], Awaitable[None]]


class Batched:
    def __init__(self, apply: Apply) -> None:
        self._apply = apply
        self._events: list[Event] = []

    async def collect(self, event: Event, partition: int) -> Sequence[Event]:
        self._events.append(event)
        return ()

    async def flush(self, handled: Positions) -> None:
        taken = len(self._events)
        await self._apply(self._events[:taken])
        del self._events[:taken]
