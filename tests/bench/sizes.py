"""How big each measurement is in each mode. `standard` is what `make bench` runs and must
fit in 20 minutes on the 2-core machine; `quick` proves the harness works; `full` adds the
1-million-learner memory point and restart-to-caught-up."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Sizes:
    name: str
    stats_learners: int
    grading_learners: int
    stats_e2e_seconds: float
    step_seconds: float  # each rate step of the HTTP capacity search
    rates: tuple[int, ...]  # the rates tried, lowest first, until one fails
    e2e_seconds: float  # each answer rate of the end-to-end latency
    e2e_rates: tuple[int, ...]  # besides the headline rate
    e2e_min_rate: int  # the headline is this or 60% of the measured capacity, the higher
    memory_points: tuple[int, ...]
    restart_backlog: int  # learners produced while a service is down (0: not measured)
    stream_timeout: float


RATES = (100, 200, 300, 400, 500, 700, 850, 1000, 1200, 1500)

QUICK = Sizes(
    name="quick",
    stats_learners=2_000,
    grading_learners=100,
    stats_e2e_seconds=3,
    step_seconds=2,
    rates=(50, 100),
    e2e_seconds=3,
    e2e_rates=(50,),
    e2e_min_rate=50,
    memory_points=(1_000, 5_000),
    restart_backlog=0,
    stream_timeout=90,
)
STANDARD = Sizes(
    name="standard",
    stats_learners=60_000,
    grading_learners=2_000,
    stats_e2e_seconds=10,
    step_seconds=5,
    rates=RATES,
    e2e_seconds=10,
    e2e_rates=(100, 250, 500),
    e2e_min_rate=300,
    memory_points=(10_000, 100_000, 300_000),
    restart_backlog=0,
    stream_timeout=240,
)
# The standard run, plus the 1-million-learner point and restart-to-caught-up.
FULL = replace(
    STANDARD,
    name="full",
    memory_points=(*STANDARD.memory_points, 1_000_000),
    restart_backlog=10_000,
    stream_timeout=600,
)
MODES = {s.name: s for s in (QUICK, STANDARD, FULL)}
