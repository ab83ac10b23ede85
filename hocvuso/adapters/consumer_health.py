"""Lag and progress of one consumer, so a stall is seen rather than inferred from silence."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from hocvuso.adapters.metrics import CONSUMER_LAG, CONSUMER_LAST_PROGRESS, CONSUMER_STALLED
from hocvuso.events.envelope import InboundRecord

Highwater = Callable[[str, int], int | None]


def _unknown(_topic: str, _partition: int) -> int | None:
    return None


class ConsumerHealth:
    """Tracks, per partition, the next offset to handle and the newest offset seen.

    Lag counts records received but not yet handled, plus what the broker reports beyond
    them (the high-water mark), so a consumer stuck on one record shows lag even when it
    has fetched nothing since.
    """

    def __init__(
        self,
        service: str,
        name: str,
        stall_after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service, self.name = service, name
        self.stall_after = stall_after
        self.highwater: Highwater = _unknown
        self._clock = clock
        self._next: dict[tuple[str, int], int] = {}
        self._seen: dict[tuple[str, int], int] = {}
        self._last_progress = clock()
        self._wall_offset = time.time() - clock()
        labels = (service, name)
        CONSUMER_LAG.labels(*labels).set_function(self.lag)
        CONSUMER_STALLED.labels(*labels).set_function(lambda: int(self.stalled()))
        CONSUMER_LAST_PROGRESS.labels(*labels).set_function(
            lambda: self._last_progress + self._wall_offset
        )

    def received_batch(self, records: Sequence[InboundRecord]) -> None:
        for record in records:
            tp = (record.topic, record.partition)
            if tp not in self._next:
                self._next[tp] = record.offset
            self._seen[tp] = max(self._seen.get(tp, 0), record.offset + 1)

    def handled_batch(self, records: Sequence[InboundRecord]) -> None:
        for record in records:
            self._next[(record.topic, record.partition)] = record.offset + 1
        self._last_progress = self._clock()

    def forget(self, topic: str, partition: int) -> None:
        """A partition handed to another member is no longer our lag."""
        self._next.pop((topic, partition), None)
        self._seen.pop((topic, partition), None)

    def lag(self) -> int:
        total = 0
        for (topic, partition), next_offset in self._next.items():
            end = max(self._seen.get((topic, partition), 0), self.highwater(topic, partition) or 0)
            total += max(0, end - next_offset)
        return total

    def idle_seconds(self) -> float:
        return self._clock() - self._last_progress

    def stalled(self) -> bool:
        return self.lag() > 0 and self.idle_seconds() > self.stall_after

    def snapshot(self) -> dict[str, object]:
        return {
            "lag": self.lag(),
            "stalled": self.stalled(),
            "seconds_since_progress": round(self.idle_seconds(), 1),
            "stall_after_seconds": self.stall_after,
        }
