"""Stats: throughput on a seeded mix, as a ratio to a raw read of the same topics, and
how soon an event produced at a steady rate shows on the stats API.

Throughput is measured as the raw read is, on records already on the topics: stats is
stopped while the mix is produced (the other services keep consuming it, as in
production) and started again; the clock runs from the first event it counts until
`GET /v1/stats/province` shows the exact final counters the mix calls for. Every commune
and unit is checked afterwards. (Timed from the first record produced instead, the figure
is the bench's own producer's rate, which the consumers slow down on two cores.)
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx

from hocvuso.devstack import Stack
from hocvuso.domain import events as ev
from tests.bench import kafka
from tests.bench.latency import Samples
from tests.bench.mix import api_view, registration, stats_mix
from tests.bench.stack import say

TOPICS = [ev.LearnerRegistered.topic, ev.TopicCompleted.topic, ev.CertificateIssued.topic]


def throughput(stack: Stack, learners: int, timeout: float) -> dict[str, Any]:
    mix = stats_mix(learners)
    expected = {scope: api_view(counts) for scope, counts in mix.expected.items()}
    stack.stop_service("stats")
    say(f"[stats] {len(mix.records):,} events for {learners:,} learners; producing ...")
    began = time.perf_counter()
    kafka.produce(stack, mix.records)
    say(f"[stats] produced in {time.perf_counter() - began:.1f} s; starting stats")
    stack.start_service("stats", timeout)
    started = _first_counted(stack, timeout)
    finished = None
    if started is not None:
        finished = _until_counted(stack, expected["province"], started, timeout)
    result: dict[str, Any] = {"stats_events": len(mix.records), "stats_learners": learners}
    if finished is None:
        say(f"[stats] did not finish within {timeout:.0f} s")
        result["did_not_finish"] = ["stats_throughput"]
        return result
    result["stats_events_per_s"] = len(mix.records) / finished
    result["stats_exact"] = _wrong_scopes(stack, expected) == 0
    rate = kafka.median_raw_rate(stack, TOPICS, len(mix.records))
    result["raw_consume_events_per_s"] = rate
    result["stats_ratio_to_raw"] = result["stats_events_per_s"] / rate
    say(
        f"[stats] {result['stats_events_per_s']:,.0f} events/s in {finished:.1f} s, "
        f"raw {rate:,.0f}/s → ratio {result['stats_ratio_to_raw']:.3f}; "
        f"exact: {result['stats_exact']}"
    )
    return result


_COUNTED = re.compile(r'^hocvuso_events_consumed_total\{service="stats",.*\} [1-9]', re.M)


def _first_counted(stack: Stack, timeout: float) -> float | None:
    """When the restarted stats service has counted its first events (its metrics say so),
    polled every 10 ms: its start-up and group join are not counting time."""
    deadline = time.perf_counter() + timeout
    with httpx.Client(base_url=stack.url("stats"), timeout=5) as client:
        while time.perf_counter() < deadline:
            try:
                metrics = client.get("/metrics").text
            except httpx.HTTPError:
                metrics = ""
            if _COUNTED.search(metrics):
                return time.perf_counter()
            time.sleep(0.01)
    return None


def _province(client: httpx.Client) -> dict[str, Any] | None:
    try:
        body: dict[str, Any] = client.get("/v1/stats/province").json()
    except (httpx.HTTPError, ValueError):
        return None
    return body


def _until_counted(
    stack: Stack, want: dict[str, object], started: float, timeout: float
) -> float | None:
    with httpx.Client(base_url=stack.url("stats"), timeout=5) as client:
        last_print = time.perf_counter()
        while time.perf_counter() - started < timeout:
            body = _province(client) or {}
            if all(body.get(k) == v for k, v in want.items()):
                return time.perf_counter() - started
            if time.perf_counter() - last_print > 10:
                last_print = time.perf_counter()
                say(f"[stats]   … {body.get('learners')} of {want['learners']} learners counted")
            time.sleep(0.05)
    return None


def _wrong_scopes(stack: Stack, expected: dict[str, dict[str, object]]) -> int:
    """Every scope the mix touched must show exactly what the mix implies."""
    wrong = 0
    with httpx.Client(base_url=stack.url("stats"), timeout=10) as client:
        for scope, want in expected.items():
            kind, _, code = scope.partition(":")
            path = "/v1/stats/province" if kind == "province" else f"/v1/stats/{kind}s/{code}"
            body = client.get(path).json()
            if any(body.get(k) != v for k, v in want.items()):
                wrong += 1
                say(f"[stats]   {scope}: expected {want}, API shows {body}")
    return wrong


def visible_latency(stack: Stack, rate: int, seconds: float) -> dict[str, Any]:
    """Registrations produced at a steady rate; a 1-in-20 sample is visible once the province
    learner count has reached it (a watermark: counts only grow, one per new learner)."""
    samples = asyncio.run(_produce_and_poll(stack, rate, seconds))
    summary = samples.summary()
    say(f"[stats e2e] {rate}/s for {seconds:.0f} s: {samples.describe()}")
    return {
        "stats_e2e_rate_per_s": rate,
        "stats_e2e_p50_ms": summary["p50"],
        "stats_e2e_p99_ms": summary["p99"],
        "stats_e2e_max_ms": summary["max"],
        "stats_e2e_unfinished": summary["unfinished"],
    }


async def _produce_and_poll(stack: Stack, rate: int, seconds: float) -> Samples:
    count = int(rate * seconds)
    records = [
        kafka.raw(registration(f"lat-{rate}-{n:07d}", "citizen", "21025", None))
        for n in range(count)
    ]
    async with httpx.AsyncClient(base_url=stack.url("stats"), timeout=5) as client:
        base = (await client.get("/v1/stats/province")).json()["learners"]
        sender = await kafka.producer(stack)
        samples = Samples()
        try:
            poller = asyncio.ensure_future(_poll(client, base, samples))
            await _paced(sender, records, rate, samples, kafka.partitions(stack))
            await samples.wait(timeout=30)
            poller.cancel()
        finally:
            await sender.stop()
    return samples


async def _paced(
    sender: Any, records: list[kafka.Raw], rate: int, samples: Samples, partitions: int
) -> None:
    """Send each record at its scheduled time (in 10 ms ticks); the sample's clock starts at
    the schedule, so a late producer shows as latency rather than hiding it."""
    started, sent, pending = time.perf_counter(), 0, []
    while sent < len(records):
        due = min(len(records), int((time.perf_counter() - started) * rate) + 1)
        for n in range(sent, due):
            r = records[n]
            partition = kafka.partition_of(r.key, partitions)
            pending.append(
                await sender.send(
                    r.topic, r.value, key=r.key, headers=r.headers, partition=partition
                )
            )
            if n % 20 == 0:
                samples.expect(n + 1, started + n / rate)
        sent = due
        await asyncio.sleep(0.01)
    await asyncio.gather(*pending)


async def _poll(client: httpx.AsyncClient, base: int, samples: Samples) -> None:
    while True:
        try:
            learners = (await client.get("/v1/stats/province")).json()["learners"] - base
            samples.reached(learners, time.perf_counter())
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        await asyncio.sleep(0.02)
