"""Restart after SIGKILL with N learners' state behind each service: from the start of the
new process, until /healthz answers and until its consumer handles records again (a
sentinel on every partition of an input topic, dead-lettered: proof that it consumes
and has caught up). Each service is a static group member, so it takes its partitions
back without waiting for its old session to expire.

With a backlog (`make bench-full`), that many learners' events are produced while the
service is down, so the second time is restart-to-caught-up."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from hocvuso.devstack import SERVICES, Stack
from hocvuso.domain import events as ev
from tests.bench import kafka
from tests.bench.seeding import seed
from tests.bench.stack import say

INPUT = {
    "enrollment": ev.AttemptGraded.topic,
    "grading": ev.LessonProgressed.topic,
    "certs": ev.LearnerRegistered.topic,
    "stats": ev.LearnerRegistered.topic,
}


def measure(stack: Stack, learners: int, backlog: int, timeout: float) -> dict[str, Any]:
    say(
        f"[restart] SIGKILL, then start again, with {learners:,} learners' state"
        + (f" and {backlog:,} learners produced while down" if backlog else "")
    )
    runs, result, unfinished = [], dict[str, Any](), list[str]()
    for n, service in enumerate(SERVICES):
        healthz, consuming = one(stack, service, backlog, learners + n * backlog, timeout)
        runs.append({"service": service, "healthz_s": healthz, "consuming_s": consuming})
        shown = f"{consuming:.1f} s" if consuming is not None else "did not finish"
        say(f"[restart]   {service:<11} /healthz {healthz:5.1f} s, consuming again {shown}")
        result[f"{service}_restart_consuming_s"] = consuming
        if consuming is None:
            unfinished.append(f"restart of {service}")
    return {
        **result,
        **({"did_not_finish": unfinished} if unfinished else {}),
        "restart_learners": learners,
        "restart_backlog": backlog,
        "restart_runs": runs,
    }


def one(
    stack: Stack, service: str, backlog: int, first: int, timeout: float
) -> tuple[float, float | None]:
    stack.kill(service)
    if backlog:
        seed(stack, first, first + backlog)
    stack.spawn_service(service)
    started = time.monotonic()
    while not _answers(f"{stack.url(service)}/healthz"):
        if time.monotonic() - started > timeout:
            return timeout, None
        time.sleep(0.1)
    healthz = time.monotonic() - started
    marks = kafka.sentinels(stack, INPUT[service])
    done = asyncio.run(kafka.wait_dead_lettered(stack, service, marks, timeout))
    consuming = time.monotonic() - started if done else None
    if done:
        stack.wait_ready(service, timeout=timeout)
    else:  # leave it running: the next service's restart is still worth measuring
        say(f"[restart]   {service} did not handle every sentinel within {timeout:.0f} s")
    return healthz, consuming


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
