"""The real stack for a measurement, and what the bench reads from its processes."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from hocvuso.devstack import SIMULATION_ENV, Stack, running_stack


@contextmanager
def bench_stack(label: str) -> Iterator[Stack]:
    """A fresh stack (Tansu in memory, an empty nx-27017) on free ports, in a temp dir."""
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-{label}-") as tmp,
        running_stack(Path(tmp), extra_env=SIMULATION_ENV) as stack,
    ):
        say(f"[{label}] stack up in {time.monotonic() - started:.0f} s ({tmp})")
        yield stack


def say(text: str) -> None:
    print(text, flush=True)


def rss_mb(stack: Stack, name: str) -> float:
    """Resident memory of one service process, from /proc (VmRSS is in kB)."""
    status = Path(f"/proc/{stack.procs[name].pid}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {name}")


def consumers(stack: Stack, service: str) -> dict[str, dict[str, Any]]:
    try:
        body = httpx.get(f"{stack.url(service)}/readyz?detail=1", timeout=10).json()
    except httpx.HTTPError:
        return {}
    found: dict[str, dict[str, Any]] = body.get("consumers", {})
    return found


def idle(stack: Stack, service: str, quiet_seconds: float = 2) -> bool:
    """Every consumer of the service has no lag and has had nothing to do for a while."""
    found = consumers(stack, service).values()
    return bool(found) and all(
        c["lag"] == 0 and c["seconds_since_progress"] >= quiet_seconds for c in found
    )


def wait_idle(stack: Stack, services: list[str], timeout: float) -> bool:
    """Wait until the services have consumed everything; False if time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(idle(stack, s) for s in services):
            return True
        time.sleep(1)
    return False


def get_json(url: str) -> Any:
    return httpx.get(url, timeout=10).json()
