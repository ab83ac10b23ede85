"""Grading: starts and submissions produced straight onto the attempts topic, timed until
every result (graded or rejected) is on the grades topic; as a ratio to a raw read of the
same attempts topic.

The learners are registered and have studied every lesson beforehand (not timed): an
exam needs every topic completed, and grading must have seen the lessons first.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import orjson

from hocvuso.devstack import Stack
from hocvuso.domain import events as ev
from tests.bench import kafka
from tests.bench.mix import GradingMix, grading_mix
from tests.bench.stack import say

OUTCOME_TYPES = {
    ev.AttemptGraded.type_name.encode(): "graded",
    ev.AttemptRejected.type_name.encode(): "rejected",
}


def throughput(stack: Stack, learners: int, timeout: float) -> dict[str, Any]:
    mix = grading_mix(learners)
    say(
        f"[grading] {learners:,} learners: {len(mix.setup):,} setup events, then "
        f"{len(mix.attempts):,} starts + submissions"
    )
    result: dict[str, Any] = {"grading_learners": learners, "grading_events": len(mix.attempts)}
    if not _set_up(stack, mix, timeout):
        say("[grading] grading did not take in the lessons in time")
        result["did_not_finish"] = ["grading_setup"]
        return result
    outcomes, seconds = asyncio.run(_timed(stack, mix, timeout))
    rate = kafka.median_raw_rate(stack, [ev.AttemptSubmitted.topic], len(mix.attempts))
    if seconds is None:
        # What was decided in time still bounds the rate from below.
        decided = sum(outcomes.values())
        say(f"[grading] did not finish within {timeout:.0f} s: {dict(outcomes)}")
        return result | {
            "did_not_finish": ["grading_throughput"],
            "grading_submissions_per_s_at_least": decided / timeout,
            "grading_ratio_to_raw_at_least": 2 * decided / timeout / rate,
            # Not done within the timeout: slower than the whole mix in that time.
            "grading_ratio_to_raw_at_most": len(mix.attempts) / timeout / rate,
            "grading_raw_consume_events_per_s": rate,
        }
    result.update(
        grading_events_per_s=len(mix.attempts) / seconds,
        grading_submissions_per_s=mix.submissions / seconds,
        grading_raw_consume_events_per_s=rate,
        grading_ratio_to_raw=len(mix.attempts) / seconds / rate,
        grading_outcomes_as_expected=outcomes == mix.outcomes,
    )
    say(
        f"[grading] {result['grading_events_per_s']:,.0f} events/s "
        f"({result['grading_submissions_per_s']:,.0f} submissions/s) in {seconds:.1f} s, "
        f"raw {rate:,.0f}/s → ratio {result['grading_ratio_to_raw']:.4f}; "
        f"outcomes {dict(outcomes)} (expected {dict(mix.outcomes)})"
    )
    return result


def _set_up(stack: Stack, mix: GradingMix, timeout: float) -> bool:
    started = time.perf_counter()
    kafka.produce(stack, mix.setup)
    marks = kafka.sentinels(stack, ev.LessonProgressed.topic)
    done = asyncio.run(kafka.wait_dead_lettered(stack, "grading", marks, timeout))
    say(f"[grading] setup consumed by grading after {time.perf_counter() - started:.0f} s")
    return done


async def _timed(
    stack: Stack, mix: GradingMix, timeout: float
) -> tuple[Counter[str], float | None]:
    outcomes: Counter[str] = Counter()
    decided: set[str] = set()

    def seen(record: Any) -> None:
        kind = OUTCOME_TYPES.get(dict(record.headers).get("ce_type", b""))
        if kind is None:
            return
        attempt = orjson.loads(record.value)["attempt_id"]
        if attempt in mix.attempt_ids and attempt not in decided:
            decided.add(attempt)
            outcomes[kind] += 1

    ends = await kafka.end_offsets(stack, [ev.AttemptGraded.topic])
    watcher = asyncio.ensure_future(
        kafka.watch(stack, ends, seen, lambda: len(decided) >= mix.submissions, timeout)
    )
    started = time.perf_counter()
    sender = await kafka.producer(stack)
    try:
        await kafka.send_all(sender, mix.attempts, kafka.partitions(stack))
    finally:
        await sender.stop()
    progress = asyncio.ensure_future(_report(decided, mix.submissions))
    finished = await watcher
    progress.cancel()
    return outcomes, (time.perf_counter() - started) if finished else None


async def _report(decided: set[str], total: int) -> None:
    while True:
        await asyncio.sleep(10)
        say(f"[grading]   … {len(decided):,} of {total:,} results published")
