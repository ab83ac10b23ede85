"""An open-loop HTTP load generator that runs in a process of its own.

Requests go out at their scheduled times whatever the server does (no coordinated
omission): a request's latency counts from when it was due, so a server or a generator
that falls behind shows as latency. The generator measures its own CPU share, so a
figure limited by the generator rather than the server can be told apart.
"""

from __future__ import annotations

import asyncio
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import httptools
import orjson

from tests.bench.http1 import Client
from tests.bench.latency import Samples, summarize_ms

# method, path, JSON body, bearer token ("" for none): a learner's requests carry their own.
Request = tuple[str, str, dict[str, Any], str]


@dataclass(frozen=True)
class Plan:
    base_url: str
    requests: list[Request]
    rate: float  # per second; 0 runs closed-loop with `concurrency` workers
    concurrency: int = 64
    keep_bodies: bool = False
    # End-to-end: for every 20th request, poll GET this path + the answer's attempt id
    # every 20 ms until its status is final.
    poll_every: int = 0
    poll_timeout: float = 30.0


@dataclass
class Outcome:
    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    achieved_per_s: float = 0.0
    generator_cpu_share: float = 0.0
    bodies: list[Any] = field(default_factory=list)
    visible_ms: dict[str, float] = field(default_factory=dict)
    visible_samples: int = 0
    # HTTP status → how many answers had it (0: no answer), for the plan's requests and
    # for the polls: proof that requests were accepted, not refused (401/403) fast.
    statuses: dict[int, int] = field(default_factory=dict)
    poll_statuses: dict[int, int] = field(default_factory=dict)
    unseen: list[str] = field(default_factory=list)  # polled paths whose effect never showed


def run(plan: Plan) -> Outcome:
    """Run `plan` in a fresh process of its own and return what it measured."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_child, plan).result()


def _child(plan: Plan) -> Outcome:
    return asyncio.run(_Generator(plan).go())


class _Generator:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.out = Outcome(bodies=[None] * len(plan.requests) if plan.keep_bodies else [])
        self.latencies: list[float] = []
        self.visible = Samples()
        self.polls: list[asyncio.Task[None]] = []
        # Each request's header lines, built before the clock starts (once per token,
        # shared by that token's requests): a send only looks them up by index.
        lines: dict[str, bytes] = {"": b""}
        self.headers: list[bytes] = []
        for *_, token in plan.requests:
            if token not in lines:
                lines[token] = f"Authorization: Bearer {token}\r\n".encode()
            self.headers.append(lines[token])

    async def go(self) -> Outcome:
        cpu_before, started = _cpu_seconds(), time.perf_counter()
        session = Client(self.plan.base_url, limit=1000, timeout=10)
        try:
            if self.plan.rate > 0:
                await self._open_loop(session)
            else:
                await self._closed_loop(session)
            finished = time.perf_counter()
            await self._wait_polls()
        finally:
            session.close()
        wall = finished - started
        self.out.generator_cpu_share = (_cpu_seconds() - cpu_before) / (
            time.perf_counter() - started
        )
        self.out.achieved_per_s = self.out.ok / wall if wall > 0 else 0.0
        self.out.latency_ms = summarize_ms(self.latencies)
        self.out.visible_ms = self.visible.summary()
        self.out.visible_samples = len(self.visible.latencies)
        self.out.unseen = [str(key) for key in self.visible.missed]
        return self.out

    async def _open_loop(self, session: Client) -> None:
        started, tasks = time.perf_counter(), []
        for index, _ in enumerate(self.plan.requests):
            due = started + index / self.plan.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(self._one(session, index, due)))
        await asyncio.gather(*tasks)

    async def _closed_loop(self, session: Client) -> None:
        queue = iter(range(len(self.plan.requests)))

        async def worker() -> None:
            for index in queue:
                await self._one(session, index, time.perf_counter())

        await asyncio.gather(*(worker() for _ in range(self.plan.concurrency)))

    async def _one(self, session: Client, index: int, due: float) -> None:
        method, path, body, _ = self.plan.requests[index]
        headers = self.headers[index]
        self.out.sent += 1
        try:
            status, raw = await session.request(method, path, orjson.dumps(body), headers)
        except (TimeoutError, OSError, httptools.HttpParserError) as exc:
            raw, status = b"", 0
            self._error(type(exc).__name__)
        done = time.perf_counter()
        self.out.statuses[status] = self.out.statuses.get(status, 0) + 1
        self.latencies.append(done - due)
        if not 200 <= status < 300:
            if status:
                self._error(f"HTTP {status}")
            return
        self.out.ok += 1
        if self.plan.keep_bodies:  # parsed only when kept: the generator's CPU counts
            self.out.bodies[index] = orjson.loads(raw) if raw else None
        if self.plan.poll_every and index % self.plan.poll_every == 0:
            self.polls.append(asyncio.ensure_future(self._poll(session, path, headers, done)))

    def _error(self, kind: str) -> None:
        self.out.errors[kind] = self.out.errors.get(kind, 0) + 1

    async def _poll(self, session: Client, path: str, headers: bytes, since: float) -> None:
        """Poll the attempt an answer went to until grading's verdict shows there."""
        attempt_path = path.removesuffix("/answers")
        self.visible.expect(attempt_path, since)
        deadline = since + self.plan.poll_timeout
        while time.perf_counter() < deadline:
            try:
                code, raw = await session.request("GET", attempt_path, headers=headers)
                polled = self.out.poll_statuses
                polled[code] = polled.get(code, 0) + 1
                status = orjson.loads(raw).get("status")
            except (TimeoutError, OSError, httptools.HttpParserError, ValueError, AttributeError):
                status = None
            if status in ("graded", "rejected"):
                self.visible.seen(attempt_path, time.perf_counter())
                return
            await asyncio.sleep(0.02)

    async def _wait_polls(self) -> None:
        await asyncio.gather(*self.polls)
        self.visible.give_up()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
