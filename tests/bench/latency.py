"""Latency samples measured from their scheduled time, and their percentiles.

A sample not seen when time runs out keeps its age at that moment: a lower bound, counted
in `unfinished`, so a stalled path shows as slow instead of dropping out of the figures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable, Sequence


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarize_ms(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": percentile(ordered, 0.50) * 1000,
        "p99": percentile(ordered, 0.99) * 1000,
        "max": (ordered[-1] if ordered else 0.0) * 1000,
    }


class Samples:
    def __init__(self) -> None:
        self.pending: dict[Hashable, float] = {}
        self.latencies: list[float] = []
        self.unfinished = 0
        self.missed: list[Hashable] = []  # the keys of unfinished samples, to look them up

    def expect(self, key: Hashable, scheduled: float) -> None:
        self.pending[key] = scheduled

    def seen(self, key: Hashable, at: float) -> None:
        scheduled = self.pending.pop(key, None)
        if scheduled is not None:
            self.latencies.append(at - scheduled)

    def reached(self, count: int, at: float) -> None:
        """For watermark samples keyed by a running count: all up to `count` are visible."""
        for key in [k for k in self.pending if isinstance(k, int) and k <= count]:
            self.seen(key, at)

    async def wait(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.pending and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        self.give_up()

    def give_up(self) -> None:
        now = time.perf_counter()
        self.unfinished += len(self.pending)
        self.missed += list(self.pending)
        self.latencies += [now - scheduled for scheduled in self.pending.values()]
        self.pending.clear()

    def summary(self) -> dict[str, float]:
        return {**summarize_ms(self.latencies), "unfinished": float(self.unfinished)}

    def describe(self) -> str:
        s = self.summary()
        bound = "≥ " if self.unfinished else ""
        tail = f", {self.unfinished} not visible in time" if self.unfinished else ""
        return (
            f"{len(self.latencies)} samples p50 {bound}{s['p50']:.0f} ms, p99 {bound}"
            f"{s['p99']:.0f} ms, max {bound}{s['max']:.0f} ms{tail}"
        )
