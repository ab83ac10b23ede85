"""A batched consumer's handler: records collected, applied together by the flush, once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from hocvuso.adapters.batched import Batched
from hocvuso.domain import events as ev
from tests.unit.test_delivery import completed


def test_a_failed_flush_keeps_the_batch_and_a_retry_applies_it_once() -> None:
    applied: list[list[ev.Event]] = []
    down = [True]

    async def apply(events: Sequence[ev.Event]) -> None:
        if down[0]:
            raise ConnectionError("database down")
        applied.append(list(events))

    async def scenario() -> None:
        batched = Batched(apply)
        for topic in (1, 2):
            assert await batched.collect(completed("a", topic), 0) == ()
        with pytest.raises(ConnectionError):
            await batched.flush({})
        assert applied == []
        down[0] = False
        await batched.flush({})
        assert applied == [[completed("a", 1), completed("a", 2)]]
        await batched.flush({})
        assert applied[-1] == [], "a flush applies each collected event once"

    asyncio.run(scenario())
