"""Group commit: calls made during a round trip share the next one; each gets its own answer."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Sequence

import pytest

from hocvuso.adapters.coalesce import Coalescer


class Backend:
    """Answers each item doubled, refuses negative ones, and records its round trips."""

    def __init__(self, seconds: float = 0.01) -> None:
        self.round_trips: list[list[int]] = []
        self.seconds = seconds
        self.down = False

    async def run(self, items: Sequence[int]) -> list[int | Exception]:
        self.round_trips.append(list(items))
        await asyncio.sleep(self.seconds)
        if self.down:
            raise ConnectionError("database down")
        return [ValueError(f"{i} refused") if i < 0 else i * 2 for i in items]


def test_an_idle_call_goes_out_alone_and_at_once() -> None:
    backend = Backend()

    async def scenario() -> None:
        many = Coalescer(backend.run)
        assert await many(1) == 2
        assert await many(2) == 4

    asyncio.run(scenario())
    assert backend.round_trips == [[1], [2]]


def test_calls_made_during_a_round_trip_share_the_next_one() -> None:
    backend = Backend()

    async def scenario() -> list[int]:
        many = Coalescer(backend.run)
        first = asyncio.create_task(many(0))
        await asyncio.sleep(0.001)  # the first round trip is under way
        return await asyncio.gather(first, *(many(i) for i in range(1, 6)))

    assert asyncio.run(scenario()) == [0, 2, 4, 6, 8, 10]
    assert backend.round_trips == [[0], [1, 2, 3, 4, 5]]


def test_a_round_trip_carries_at_most_the_limit() -> None:
    backend = Backend()

    async def scenario() -> None:
        many = Coalescer(backend.run, limit=2)
        await asyncio.gather(*(many(i) for i in range(5)))

    asyncio.run(scenario())
    assert backend.round_trips == [[0, 1], [2, 3], [4]]


def test_each_caller_gets_its_own_refusal() -> None:
    backend = Backend()

    async def scenario() -> list[object]:
        many = Coalescer(backend.run)
        return await asyncio.gather(many(1), many(-1), many(3), return_exceptions=True)

    one, refused, three = asyncio.run(scenario())
    assert (one, three) == (2, 6)
    assert isinstance(refused, ValueError) and "-1 refused" in str(refused)


def test_a_failed_round_trip_fails_its_calls_and_the_next_one_is_tried_afresh() -> None:
    backend = Backend()

    async def scenario() -> None:
        many = Coalescer(backend.run)
        backend.down = True
        results = await asyncio.gather(many(1), many(2), return_exceptions=True)
        assert all(isinstance(r, ConnectionError) for r in results)
        backend.down = False
        assert await many(4) == 8

    asyncio.run(scenario())


def test_a_caller_waits_no_longer_than_its_timeout_and_the_others_are_answered() -> None:
    backend = Backend(seconds=0.2)

    async def scenario() -> None:
        patient = Coalescer(backend.run)
        hasty = Coalescer(backend.run, timeout=0.05)
        with pytest.raises(TimeoutError):
            await hasty(1)
        assert await patient(2) == 4
        await asyncio.sleep(0.25)  # the abandoned call's answer arrives and is dropped
        backend.seconds = 0.01
        assert await hasty(3) == 6

    asyncio.run(scenario())


def test_a_round_trip_does_not_run_under_the_first_callers_deadline() -> None:
    """The drain outlives the call that started it: it must not inherit that call's
    context (a request's database deadline is a context variable)."""
    deadline: contextvars.ContextVar[str] = contextvars.ContextVar("deadline", default="none")
    seen: list[str] = []

    async def run(items: Sequence[int]) -> list[int]:
        seen.append(deadline.get())
        return list(items)

    async def scenario() -> None:
        many = Coalescer(run)
        deadline.set("the first request's")
        await many(1)

    asyncio.run(scenario())
    assert seen == ["none"]
