"""Fault injection for end-to-end tests, loaded by a service process started with this
folder on PYTHONPATH (Python imports `sitecustomize` at start-up).

HOCVUSO_FAULT_KILL_IN_CHECKPOINT=N: the service's Nth counting checkpoint writes all it
has to write, then the process SIGKILLs itself before the transaction commits — a crash
in the middle of a checkpoint, at a moment no outside signal could be timed to hit.
"""

from __future__ import annotations

import os
import signal
from typing import Any

_AT = int(os.environ.get("HOCVUSO_FAULT_KILL_IN_CHECKPOINT", "0"))


class _DyingConnection:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            os.kill(os.getpid(), signal.SIGKILL)
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def _install() -> None:
    from hocvuso.adapters.counting_state import PartitionState

    original = PartitionState.checkpoint
    calls = 0

    def checkpoint(self: Any, *args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == _AT:
            self._db = _DyingConnection(self._db)
        original(self, *args)

    PartitionState.checkpoint = checkpoint  # type: ignore[method-assign]


if _AT:
    _install()
