"""A batched consumer: collected records count as handled only once their flush stored them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from hocvuso.adapters.batched import Batched, DeferredHealth
from hocvuso.adapters.delivery import Delivery
from hocvuso.domain import events as ev
from tests.unit.test_delivery import Bus, completed, record


def test_a_failed_flush_keeps_the_batch_and_its_lag_and_a_retry_settles_both() -> None:
    applied: list[list[ev.Event]] = []
    down = [True]

    async def apply(events: Sequence[ev.Event]) -> None:
        if down[0]:
            raise ConnectionError("database down")
        applied.append(list(events))

    async def scenario() -> None:
        health = DeferredHealth("tests", "batched", 30)
        batched = Batched(apply, health)
        delivery = Delivery("tests", batched.collect, Bus(), health)
        for offset, topic in enumerate((1, 2)):
            await delivery.deliver(record(completed("a", topic), offset))
        assert health.lag() == 2, "collected is not yet handled"
        with pytest.raises(ConnectionError):
            await batched.flush()
        assert health.lag() == 2 and applied == []
        down[0] = False
        await batched.flush()
        assert health.lag() == 0
        assert applied == [[completed("a", 1), completed("a", 2)]]
        await batched.flush()
        assert applied[-1] == [], "a flush applies each collected event once"

    asyncio.run(scenario())
