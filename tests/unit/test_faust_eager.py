"""Faust's fetch loop with the callback run at once: same outcome as faust's own
`wait_first`, whether the callback finishes at once, waits, fails or is cut off."""

from __future__ import annotations

import asyncio

import pytest
from mode import Service

from hocvuso.adapters.faust_eager import _eager_wait_first


class Fetching(Service):
    pass


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def quick() -> int:
    return 1


async def slow() -> int:
    await asyncio.sleep(0.01)
    await asyncio.sleep(0)
    return 2


async def failing() -> None:
    await asyncio.sleep(0.01)
    raise ValueError("broken")


def test_a_callback_that_does_not_wait_is_done_at_once() -> None:
    async def go() -> object:
        flow = asyncio.Event()
        return await _eager_wait_first(Fetching(), quick(), flow.wait())

    result = run(go())
    assert result.results == [1] and not result.stopped  # type: ignore[attr-defined]


def test_a_callback_that_waits_is_resumed_where_it_stopped() -> None:
    async def go() -> object:
        flow = asyncio.Event()
        return await _eager_wait_first(Fetching(), slow(), flow.wait())

    assert run(go()).results == [2]  # type: ignore[attr-defined]


def test_a_failing_callback_raises() -> None:
    async def go() -> object:
        return await _eager_wait_first(Fetching(), failing(), asyncio.Event().wait())

    with pytest.raises(ValueError, match="broken"):
        run(go())


def test_a_suspended_flow_cuts_a_waiting_callback_off() -> None:
    finished = []

    async def forever() -> None:
        await asyncio.sleep(10)
        finished.append(True)

    async def go() -> object:
        flow = asyncio.Event()
        waiting = asyncio.ensure_future(_eager_wait_first(Fetching(), forever(), flow.wait()))
        await asyncio.sleep(0.01)
        flow.set()
        result = await waiting
        await asyncio.sleep(0.01)
        return result

    result = run(go())
    assert len(result.done) == 1 and result.results == [True] and not finished  # type: ignore[attr-defined]
