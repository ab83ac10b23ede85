"""Resident memory of each service with N learners' state (see `seeding`), reported as
growth per 100k learners; then each service is killed and restarted with that state
behind it (`restart`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from hocvuso.devstack import SERVICES, Stack
from hocvuso.domain import events as ev
from tests.bench import kafka, restart
from tests.bench.seeding import seed
from tests.bench.sizes import Sizes
from tests.bench.stack import rss_mb, say

# The services whose state grows with learners, and a topic each reads.
STATEFUL = {"grading": ev.LessonProgressed.topic, "certs": ev.LearnerRegistered.topic}


def caught_up(stack: Stack, learners: int, timeout: float) -> float | None:
    """Seconds until stats counts every learner and grading and certs have handled
    everything produced (their sentinels are dead-lettered); None if time ran out."""
    started = time.monotonic()
    for service, topic in STATEFUL.items():
        marks = kafka.sentinels(stack, topic)
        left = timeout - (time.monotonic() - started)
        if not asyncio.run(kafka.wait_dead_lettered(stack, service, marks, max(left, 1))):
            return None
    with httpx.Client(base_url=stack.url("stats"), timeout=10) as client:
        while client.get("/v1/stats/province").json()["learners"] < learners:
            if time.monotonic() - started > timeout:
                return None
            time.sleep(1)
    return time.monotonic() - started


def rss_all(stack: Stack) -> dict[str, float]:
    return {service: round(rss_mb(stack, service), 1) for service in SERVICES}


def measure(stack: Stack, sizes: Sizes) -> dict[str, Any]:
    points: list[dict[str, Any]] = [{"learners": 0, "rss_mb": rss_all(stack)}]
    result: dict[str, Any] = {"memory_points": points}
    for learners in sizes.memory_points:
        seed(stack, points[-1]["learners"], learners)
        seconds = caught_up(stack, learners, timeout=max(sizes.stream_timeout, learners / 300))
        if seconds is None:
            say(f"[memory] {learners:,} learners: not consumed in time; stopping here")
            result["did_not_finish"] = [f"memory at {learners:,} learners"]
            break
        points.append({"learners": learners, "rss_mb": rss_all(stack)})
        say(
            f"[memory] {learners:,} learners (consumed {seconds:.0f} s after the last "
            f"record was produced): RSS MB {points[-1]['rss_mb']}"
        )
    result |= per_100k(points)
    if len(points) > 1:
        last = points[-1]["learners"]
        result |= restart.measure(stack, last, sizes.restart_backlog, sizes.stream_timeout)
    return result


def per_100k(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Growth between the first and the last point with state, per 100k learners: what a
    learner costs, without the fixed cost of a running process."""
    measured = [p for p in points if p["learners"] > 0]
    if len(measured) < 2:
        measured = points
    if len(measured) < 2:
        return {}
    first, last = measured[0], measured[-1]
    span = (last["learners"] - first["learners"]) / 100_000
    return {
        f"{service}_rss_mb_per_100k_learners": round(
            (last["rss_mb"][service] - first["rss_mb"][service]) / span, 2
        )
        for service in SERVICES
    }
