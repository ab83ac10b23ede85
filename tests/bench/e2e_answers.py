"""Answer → graded visible: from an answer's HTTP 2xx until `GET /v1/attempts/{id}` shows
grading's verdict, for a 1-in-20 sample polled every 20 ms by the generator's process,
with answers sent open-loop at a steady rate (the path crosses Kafka twice: enrollment →
grading → enrollment)."""

from __future__ import annotations

from typing import Any

from hocvuso.devstack import Stack
from tests.bench import loadgen
from tests.bench.http_capacity import Learners, statuses
from tests.bench.loadgen import Outcome, Plan
from tests.bench.sizes import Sizes
from tests.bench.stack import say, wait_idle

CAPACITY_SHARE = 0.6


def rates(sizes: Sizes, capacity: float) -> tuple[list[int], int]:
    """The fixed rates plus the headline, lowest first: the Speed issue asks for the
    latency at 300 answers/s or more *and* at least 60% of the measured capacity, so the
    headline is the higher of the two."""
    headline = max(sizes.e2e_min_rate, round(CAPACITY_SHARE * capacity))
    return sorted({*sizes.e2e_rates, headline}), headline


def measure(stack: Stack, sizes: Sizes, capacity: float, learners: Learners) -> dict[str, Any]:
    wanted, headline = rates(sizes, capacity)
    base, runs = stack.url("enrollment"), []
    result: dict[str, Any] = {}
    for rate in wanted:
        answers = learners.answers(base, int(rate * sizes.e2e_seconds))
        # Start each rate with nothing queued from the one before.
        drained = wait_idle(stack, ["grading", "enrollment"], timeout=90)
        outcome = loadgen.run(Plan(base, answers, rate=rate, poll_every=20, poll_timeout=30))
        say(_line(rate, outcome, drained))
        runs.append(_record(rate, outcome, drained))
        if rate == headline:
            result |= {
                "e2e_rate_per_s": rate,
                "e2e_answer_p50_ms": outcome.visible_ms["p50"],
                "e2e_answer_p99_ms": outcome.visible_ms["p99"],
                "e2e_answer_max_ms": outcome.visible_ms["max"],
                "e2e_answer_unfinished": int(outcome.visible_ms["unfinished"]),
            }
    return {**result, "e2e_runs": runs}


def _line(rate: int, o: Outcome, drained: bool) -> str:
    v = o.visible_ms
    note = "" if drained else " (backlog from before not cleared)"
    unfinished = ""
    if v["unfinished"]:  # named, so that they can be looked up in the stack's logs and topics
        unfinished = f", {v['unfinished']:.0f} not graded within 30 s ({', '.join(o.unseen[:3])})"
    return (
        f"[e2e] {rate}/s: {o.ok} answers ok, {sum(o.errors.values())} errors, "
        f"{o.visible_samples} samples: p50 {v['p50']:.0f} ms, p99 {v['p99']:.0f} ms, "
        f"max {v['max']:.0f} ms{unfinished}; generator CPU "
        f"{o.generator_cpu_share:.0%}{note}; statuses {statuses(o.statuses)}, "
        f"polls {statuses(o.poll_statuses)}"
    )


def _record(rate: int, o: Outcome, drained: bool) -> dict[str, Any]:
    return {
        "rate": rate,
        "answers_ok": o.ok,
        "errors": sum(o.errors.values()),
        "statuses": {str(code): n for code, n in sorted(o.statuses.items())},
        "poll_statuses": {str(code): n for code, n in sorted(o.poll_statuses.items())},
        "samples": o.visible_samples,
        "p50_ms": round(o.visible_ms["p50"], 1),
        "p99_ms": round(o.visible_ms["p99"], 1),
        "max_ms": round(o.visible_ms["max"], 1),
        "unfinished": int(o.visible_ms["unfinished"]),
        "http_p99_ms": round(o.latency_ms["p99"], 1),
        "generator_cpu": round(o.generator_cpu_share, 3),
        "started_drained": drained,
    }
