"""One enrollment instance under an open-loop load: lesson progress and answers.

The generator (`loadgen`, the one `make bench` uses) runs in its own process and sends at a
constant arrival rate whatever the server does; each latency is taken from the time the
request was *scheduled*, so a slow server is charged for the queue it causes (no
coordinated omission). A request that was not answered 2xx counts as an error. The whole
stack runs as in production (every service, Tansu, nx-27017 with majority+journal writes).

    python -m tests.bench.bench_enrollment --kind lesson --rates 600,800,1000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient, WriteConcern

from hocvuso.adapters.mongo_learners import MongoLearners
from hocvuso.adapters.outbox import OutboxRelay
from hocvuso.course_files import configured_catalog
from hocvuso.dev_identity import DevIdentity
from hocvuso.devstack import SIMULATION_ENV, Stack, free_port, running_stack
from hocvuso.domain.access import Principal
from hocvuso.domain.enrollment import MasterData, Profile
from hocvuso.settings import CourseSettings
from services.enrollment.service import Enrollment, Request
from tests.bench import loadgen
from tests.bench.loadgen import Plan
from tests.mongo_commands import CommandCounter

Work = list[tuple[str, dict[str, Any], str]]  # (path, JSON body, token) per request, in order
BODY = {"full_name": "Bench", "birth_year": 1990, "category": "citizen", "commune_code": "21025"}
Learner = tuple[str, dict[str, str]]  # id, the headers that act as them


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _register(api: httpx.Client, identity: DevIdentity, n: int) -> list[Learner]:
    """`n` new accounts, each registering its learner with its own token."""
    out: list[Learner] = []
    for i in range(n):
        headers = {"authorization": f"Bearer {identity.token('learner', f'bench-{i}')}"}
        registered = api.post("/v1/learners", json=BODY, headers=headers)
        registered.raise_for_status()
        out.append((registered.json()["learner_id"], headers))
    return out


def lesson_work(api: httpx.Client, learners: list[Learner], n: int) -> Work:
    """Every report raises a lesson's percent, so every request stores a change."""
    lessons = [le["id"] for t in api.get("/v1/course").json()["topics"] for le in t["lessons"]]
    work: Work = []
    for i in range(n):
        (learner, headers), round_ = learners[i % len(learners)], i // len(learners)
        lesson = lessons[round_ // 100 % len(lessons)]
        path = f"/v1/learners/{learner}/lessons/{lesson}/progress"
        work.append((path, {"percent": round_ % 100 + 1}, _token(headers)))
    return work


def _token(headers: dict[str, str]) -> str:
    return headers["authorization"].removeprefix("Bearer ")


def answer_work(api: httpx.Client, learners: list[Learner], n: int) -> Work:
    """One fresh attempt per answer, started beforehand, spread over the learners."""
    work: Work = []
    for i in range(n):
        learner, headers = learners[i % len(learners)]
        attempt = api.post(f"/v1/learners/{learner}/attempts", json={"topic": 1}, headers=headers)
        attempt.raise_for_status()
        started = attempt.json()
        answers = {q["id"]: 0 for q in started["questions"]}
        path = f"/v1/attempts/{started['attempt_id']}/answers"
        work.append((path, {"answers": answers}, _token(headers)))
    return work


def run_rate(stack: Stack, kind: str, rate: float, seconds: float, learners: list[Learner]) -> None:
    api = httpx.Client(base_url=stack.url("enrollment"), timeout=30)
    build = lesson_work if kind == "lesson" else answer_work
    work = build(api, learners, int(rate * seconds))
    pid = stack.procs["enrollment"].pid
    server_cpu, started = _cpu_seconds(pid), time.perf_counter()
    requests = [("POST", path, body, token) for path, body, token in work]
    plan = Plan(stack.url("enrollment"), requests, rate)
    outcome = loadgen.run(plan)
    result = {
        "sent": outcome.sent,
        "errors": outcome.errors,
        "statuses": {str(code): n for code, n in sorted(outcome.statuses.items())},
        "achieved_per_s": round(outcome.achieved_per_s, 1),
        **{f"{k}_ms": round(v, 1) for k, v in outcome.latency_ms.items()},
        "generator_cpu_of_one_core": round(outcome.generator_cpu_share, 2),
        "server_cpu_of_one_core": round(
            (_cpu_seconds(pid) - server_cpu) / (time.perf_counter() - started), 2
        ),
    }
    print(json.dumps({"kind": kind, "rate": rate, **result}), flush=True)


class _NoBroker:
    async def publish(self, events: Any, ce_ids: Any = ()) -> None: ...


async def _round_trips(port: int, learners: int, rounds: int) -> dict[str, float]:
    """MongoDB commands per request, service and relay in process, the requests of each
    round sent concurrently: independent of the machine's load."""
    count = CommandCounter()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{port}", event_listeners=[count], tz_aware=True
    )
    repo = MongoLearners(client["round_trips"], WriteConcern(w="majority", j=True))
    relay = OutboxRelay(repo, _NoBroker(), "bench")  # type: ignore[arg-type]
    master = MasterData(communes={"21025"}, units=set())
    # Several attempts per learner and pool at once: the simulation's course, no limits.
    catalog = configured_catalog(CourseSettings(unlimited_attempts=True))
    service = Enrollment(repo, catalog, master)
    callers = [Principal(f"bench-{i}", "learner") for i in range(learners)]
    profile = Profile(full_name="Bá", birth_year=1990, category="citizen", commune_code="21025")
    ids = [(await service.register(c, profile, Request()))[0].learner_id for c in callers]
    lesson = service.catalog.in_force_at(datetime.now(UTC)).topics[0].lessons[0].id
    attempts = [
        await service.start_attempt(c, i, "1", f"{i}-{n}")
        for n in range(rounds)
        for c, i in zip(callers, ids, strict=True)
    ]
    await relay.relay_once()
    figures = {}
    for kind in ("lesson", "answer"):
        count.seen.clear()
        for n in range(rounds):
            # Each round's requests arrive together, as under load: they share round trips.
            sent: list[Awaitable[object]]
            if kind == "lesson":
                sent = [
                    service.report_lesson(c, i, lesson, n + 1)
                    for c, i in zip(callers, ids, strict=True)
                ]
            else:
                sent = []
                for i in range(learners):
                    attempt = attempts[n * learners + i][1]
                    every = dict.fromkeys(attempt.question_ids, 0)
                    sent.append(service.submit(callers[i], attempt.attempt_id, every))
            await asyncio.gather(*sent)
            while await relay.relay_once():
                pass
        figures[kind] = round(sum(count.seen.values()) / (rounds * learners), 2)
        figures[f"{kind}_commands"] = dict(count.seen)  # type: ignore[assignment]
    await client.close()
    return figures


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--kind", choices=("lesson", "answer"), default="lesson")
    p.add_argument("--rates", default="600,800,1000")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--learners", type=int, default=1000)
    p.add_argument("--round-trips", action="store_true", help="count MongoDB commands only")
    args = p.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    if args.round_trips:
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(Path(tmp), extra_env=SIMULATION_ENV)
            stack.mongo_port = free_port()
            stack.start_database()
            try:
                print(json.dumps(asyncio.run(_round_trips(stack.mongo_port, 200, 3))))
            finally:
                stack.stop()
        return
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(Path(tmp), extra_env=SIMULATION_ENV) as stack,
    ):
        api = httpx.Client(base_url=stack.url("enrollment"), timeout=30)
        learners = _register(api, stack.identity, args.learners)
        for rate in rates:
            run_rate(stack, args.kind, rate, args.seconds, learners)
            time.sleep(2)  # let the relay and consumers drain before the next rate


if __name__ == "__main__":
    main()
