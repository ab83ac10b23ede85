"""A small HTTP client for the tests, with polling for what arrives through Kafka."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


class Api:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, json: Any = None) -> httpx.Response:
        return self.http.post(path, json=json)


def eventually(check: Callable[[], Any], timeout: float = 30, every: float = 0.2) -> Any:
    """Poll until `check` returns something truthy; fail with its last value otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met after {timeout:.0f} s; last value: {last!r}")
