"""One backoff for everything that waits out a transient failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from hocvuso.adapters.failures import is_transient
from hocvuso.adapters.metrics import TRANSIENT_FAILURES

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Backoff:
    """Exponential delays from `initial` to `maximum` seconds; `reset` after a success."""

    initial: float = 0.2
    maximum: float = 5.0
    factor: float = 2.0
    _next: float = 0.0

    def delay(self) -> float:
        current = self._next or self.initial
        self._next = min(current * self.factor, self.maximum)
        return current

    def reset(self) -> None:
        self._next = 0.0

    async def wait(self) -> None:
        await asyncio.sleep(self.delay())


async def until_done(
    operation: Callable[[], Awaitable[T]],
    what: str,
    backoff: Backoff | None = None,
    retry_if: Callable[[BaseException], bool] = is_transient,
) -> T:
    """Run `operation` until it succeeds, waiting out the failures `retry_if` accepts
    (transient ones by default); any other failure is raised. `what` names the work in
    logs and in `hocvuso_transient_failures_total`, so keep it a fixed phrase."""
    backoff = backoff or Backoff()
    while True:
        try:
            result = await operation()
        except Exception as exc:
            if not retry_if(exc):
                raise
            TRANSIENT_FAILURES.labels(what).inc()
            delay = backoff.delay()
            log.warning("%s: %s: %s; retrying in %.1f s", what, type(exc).__name__, exc, delay)
            await asyncio.sleep(delay)
            continue
        backoff.reset()
        return result
