"""The two ports between the core and the event bus; adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hocvuso.domain.events import Event


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[Event]) -> None:
        """Return once the broker has acknowledged every event."""


class EventHandler(Protocol):
    async def __call__(self, event: Event, partition: int) -> Sequence[Event]:
        """Record what the event means and return the events that follow from it.

        Raise a transient error (a database that does not answer) to have the same event
        handed over again later; any other error sends the record to the dead-letter topic.
        """
