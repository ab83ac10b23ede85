"""Faust's consumer hands each fetched record to the streams without four tasks a record.

Faust's fetch loop awaits `wait_first(callback(message), suspend_flow.wait())` for every
record: four tasks made (the callback, the flow, stopped, crashed), waited on and three
cancelled — a tenth of the certs service's time and a twentieth of grading's (measured
with py-spy in the bench). The callback (put the record on its stream's queue) nearly
always finishes without waiting; it is run at once here, and only a callback that does
wait (a full queue, a paused flow) goes through faust's own `wait_first`, resumed where it
stopped — Python 3.12's eager tasks do the same.
"""

from __future__ import annotations

import inspect
from collections.abc import Coroutine, Generator
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from mode import Service
from mode.services import WaitResults


class _Resumed:
    """A coroutine already run to its first wait, to be awaited from there on."""

    def __init__(self, coro: Coroutine[Any, Any, Any], waiting: Any) -> None:
        self._coro, self._waiting = coro, waiting

    def __await__(self) -> Generator[Any, None, Any]:
        coro, waiting = self._coro, self._waiting
        while True:
            try:
                yield waiting
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # thrown in by the task (cancelled): pass it on
                try:
                    waiting = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting = coro.send(None)
                except StopIteration as done:
                    return done.value


async def _eager_wait_first(self: Service, *coros: Any, timeout: Any = None) -> WaitResults:
    first, rest = coros[0], coros[1:]
    if timeout is None and inspect.iscoroutine(first):
        try:
            waiting = first.send(None)
        except StopIteration as done:  # finished without waiting: the usual case
            for other in rest:
                if inspect.iscoroutine(other):
                    other.close()  # never started: nothing to cancel
            if self._stopped.is_set() or self._crashed.is_set():
                return WaitResults([], [], True)
            return WaitResults([first], [done.value], False)
        first = _Resumed(first, waiting)
    return await Service.wait_first(self, first, *rest, timeout=timeout)


def make_consumer_eager() -> None:
    """Faust's consumer calls `wait_first` in its fetch loop only (faust-streaming 0.15)."""
    consumer: Any = faust_aiokafka.Consumer
    if consumer.wait_first is not _eager_wait_first:
        consumer.wait_first = _eager_wait_first
