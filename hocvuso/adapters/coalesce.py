"""Group commit: calls made while a round trip is under way go out together in the next.

An idle caller waits for nothing (its call goes out at once, alone); under load, every
call that arrived during one round trip shares the next, so the database sees one command
per round trip instead of one per request. Each caller still gets its own answer, or a
`TimeoutError` once it has waited `timeout` seconds (its call may still take effect).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")
# Given the calls' items, one answer (or the error for that call) per item, in order.
RunMany = Callable[[Sequence[Item]], Awaitable[Sequence[Answer | Exception]]]


class Coalescer(Generic[Item, Answer]):
    def __init__(
        self, run: RunMany[Item, Answer], limit: int = 500, timeout: float | None = None
    ) -> None:
        self._run = run
        self._limit = limit
        self._timeout = timeout
        self._waiting: list[tuple[Item, asyncio.Future[Answer]]] = []
        self._drain: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._drain is None:
            # A context of its own: the caller's (a request's deadline, say) would otherwise
            # bind every later round trip of this drain.
            self._drain = asyncio.create_task(self._drain_waiting(), context=contextvars.Context())
        # On timeout the future is cancelled, and its answer, when it comes, is dropped.
        # (`asyncio.timeout`, not `wait_for`: no task of its own per call.)
        async with asyncio.timeout(self._timeout):
            return await future

    async def _drain_waiting(self) -> None:
        try:
            while self._waiting:
                calls = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                await self._answer(calls)
        finally:
            self._drain = None

    async def _answer(self, calls: list[tuple[Item, asyncio.Future[Answer]]]) -> None:
        try:
            answers = await self._run([item for item, _ in calls])
        except Exception as exc:  # the round trip failed: so did every call in it
            answers = [exc] * len(calls)
        for (_, future), answer in zip(calls, answers, strict=True):
            if future.done():  # its caller gave up (a request cancelled)
                continue
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)
