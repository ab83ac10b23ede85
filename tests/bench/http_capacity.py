"""Enrollment's capacity per instance: the highest constant rate (open loop) at which
p99 stays within 250 ms with no errors, for registration, lesson progress and answers."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from hocvuso.course_files import load_packaged_course
from hocvuso.dev_identity import DevIdentity
from hocvuso.devstack import Stack
from hocvuso.reference_data import communes
from tests.bench import loadgen
from tests.bench.loadgen import Outcome, Plan, Request
from tests.bench.sizes import Sizes
from tests.bench.stack import say, wait_idle

P99_LIMIT_MS = 250.0
AGENCY = "so-noi-vu"  # a cbccvc learner must name a unit
NAME_PARTS = (
    ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"),
    ("Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc"),
    ("An", "Bình", "Châu", "Dũng", "Hoa", "Lan", "Sơn", "Tâm", "Vy"),
)


class Learners:
    """Learners registered through the API, each a new account acting with its own token
    (as a portal's users would), and what to send on their behalf."""

    def __init__(self, identity: DevIdentity, seed: int = 5) -> None:
        self.identity = identity
        self.rnd = random.Random(seed)
        self.ids: list[str] = []
        self.tokens: dict[str, str] = {}  # learner id → their token
        self.codes = [c.official_code for c in communes()]
        self.lessons = [
            lesson.id for t in load_packaged_course("v1").topics for lesson in t.lessons
        ]
        self._accounts = 0
        self._reports = 0

    def keep(self, outcome: Outcome, sent: list[Request]) -> None:
        for body, (*_, token) in zip(outcome.bodies, sent, strict=True):
            if body and "learner_id" in body and body["learner_id"] not in self.tokens:
                self.ids.append(body["learner_id"])
                self.tokens[body["learner_id"]] = token

    def registrations(self, count: int) -> list[Request]:
        out: list[Request] = []
        for n in range(count):
            self._accounts += 1
            token = self.identity.token("learner", f"bench-{self._accounts}")
            body: dict[str, Any] = {
                "full_name": self._name(),
                "birth_year": self.rnd.randint(1950, 2008),
                "category": "citizen",
                "commune_code": self.rnd.choice(self.codes),
            }
            if n % 3 == 0:
                body |= {"category": "cbccvc", "unit_code": AGENCY}
            out.append(("POST", "/v1/learners", body, token))
        return out

    def _name(self) -> str:
        """A name as the registration rules accept it: letters and spaces, no digits."""
        return " ".join(self.rnd.choice(part) for part in NAME_PARTS)

    def lesson_reports(self, count: int) -> list[Request]:
        """Each report moves a (learner, lesson) forward, so none is a no-op."""
        out: list[Request] = []
        for _ in range(count):
            n, self._reports = self._reports, self._reports + 1
            learner = self.ids[n % len(self.ids)]
            lesson = self.lessons[(n // len(self.ids)) % len(self.lessons)]
            body = {"percent": 10 + (n // (len(self.ids) * len(self.lessons))) % 90}
            path = f"/v1/learners/{learner}/lessons/{lesson}/progress"
            out.append(("POST", path, body, self.tokens[learner]))
        return out

    def attempt_starts(self, count: int) -> list[Request]:
        out: list[Request] = []
        for _ in range(count):
            learner = self.rnd.choice(self.ids)
            body = {"topic": self.rnd.randint(1, 5)}
            out.append(("POST", f"/v1/learners/{learner}/attempts", body, self.tokens[learner]))
        return out

    def answers(self, base_url: str, count: int) -> list[Request]:
        """Start `count` attempts (closed loop, not timed) and answer each at random."""
        starts = self.attempt_starts(count)
        started = loadgen.run(Plan(base_url, starts, rate=0, keep_bodies=True))
        return [
            (
                "POST",
                f"/v1/attempts/{a['attempt_id']}/answers",
                {"answers": {q["id"]: self.rnd.randint(0, 3) for q in a["questions"]}},
                token,
            )
            for a, (*_, token) in zip(started.bodies, starts, strict=True)
            if a is not None
        ]


def passes(outcome: Outcome, rate: float) -> bool:
    kept_up = outcome.achieved_per_s >= 0.9 * rate
    return not outcome.errors and outcome.latency_ms["p99"] <= P99_LIMIT_MS and kept_up


def step_line(kind: str, rate: float, o: Outcome) -> str:
    lat = o.latency_ms
    verdict = "pass" if passes(o, rate) else "FAIL"
    errors = f" errors {o.errors}" if o.errors else ""
    return (
        f"[http] {kind:<13} {rate:>5.0f}/s: {o.achieved_per_s:>6.0f}/s ok, p50 "
        f"{lat['p50']:>6.0f} ms, p99 {lat['p99']:>6.0f} ms, generator CPU "
        f"{o.generator_cpu_share:4.0%}{errors}, statuses {statuses(o.statuses)} → {verdict}"
    )


def statuses(counts: dict[int, int]) -> str:
    """`200×500 403×3`: what the server answered (0: no answer at all)."""
    return " ".join(f"{code}×{n}" for code, n in sorted(counts.items())) or "none"


Make = Callable[[int], list[Request]]
Keep = Callable[[Outcome, list[Request]], None]
REFINEMENTS = 2  # halvings of the gap between the last passing and the first failing rate


def search(
    stack: Stack, kind: str, sizes: Sizes, make: Make, keep: Keep = lambda *_: None
) -> tuple[float, list[dict[str, Any]]]:
    """Step the rate up until a step fails, then narrow the gap between the last passing
    and the failing rate by bisection; the highest passing rate is the capacity."""
    best, failed, steps = 0.0, 0.0, list[dict[str, Any]]()
    for rate in sizes.rates:
        if not _step(stack, kind, rate, sizes, make, keep, steps):
            failed = rate
            break
        best = rate
    for _ in range(REFINEMENTS if failed else 0):
        rate = round((best + failed) / 2 / 10) * 10  # rates in tens are plenty
        if rate in (best, failed):
            break
        if _step(stack, kind, rate, sizes, make, keep, steps):
            best = rate
        else:
            failed = rate
    return best, steps


def _step(
    stack: Stack,
    kind: str,
    rate: float,
    sizes: Sizes,
    make: Make,
    keep: Keep,
    steps: list[dict[str, Any]],
) -> bool:
    requests = make(int(rate * sizes.step_seconds))
    outcome = loadgen.run(Plan(stack.url("enrollment"), requests, rate=rate, keep_bodies=True))
    say(step_line(kind, rate, outcome))
    steps.append(_step_record(kind, rate, outcome))
    keep(outcome, requests)
    wait_idle(stack, ["grading", "enrollment"], timeout=60)  # let the backlog clear
    return passes(outcome, rate)


def _step_record(kind: str, rate: float, o: Outcome) -> dict[str, Any]:
    return {
        "kind": kind,
        "rate": rate,
        "achieved": round(o.achieved_per_s, 1),
        "p50_ms": round(o.latency_ms["p50"], 1),
        "p99_ms": round(o.latency_ms["p99"], 1),
        "errors": sum(o.errors.values()),
        "statuses": {str(code): n for code, n in sorted(o.statuses.items())},
        "generator_cpu": round(o.generator_cpu_share, 3),
        "pass": passes(o, rate),
    }


def measure(stack: Stack, sizes: Sizes) -> tuple[dict[str, Any], Learners]:
    learners = Learners(stack.identity)
    base = stack.url("enrollment")
    registration, steps = search(
        stack, "registration", sizes, learners.registrations, learners.keep
    )
    if not learners.ids:  # nothing registered at any rate: register a few to go on
        few = learners.registrations(200)
        learners.keep(loadgen.run(Plan(base, few, 0, keep_bodies=True)), few)
    lessons, more = search(stack, "lesson", sizes, learners.lesson_reports)
    answers, most = search(stack, "answer", sizes, lambda n: learners.answers(base, n))
    say(
        f"[http] capacity: registration {registration:.0f}/s, lesson progress "
        f"{lessons:.0f}/s, answers {answers:.0f}/s (p99 ≤ {P99_LIMIT_MS:.0f} ms, no errors)"
    )
    result = {
        "enrollment_registrations_per_s": registration,
        "enrollment_requests_per_s": lessons,
        "enrollment_answers_per_s": answers,
        "http_steps": steps + more + most,
    }
    return result, learners
