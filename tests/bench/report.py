"""docs/performance.json and docs/PERFORMANCE.md from one run's figures, with each
figure next to the issue's target for it."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.bench import machine, tables
from tests.bench.sizes import Sizes

# Every key the JSON must hold with a positive number, whatever the mode.
REQUIRED = (
    "raw_consume_events_per_s",
    "stats_ratio_to_raw",
    "grading_ratio_to_raw",
    "grading_submissions_per_s",
    "e2e_answer_p50_ms",
    "e2e_answer_p99_ms",
    "e2e_rate_per_s",
    "stats_e2e_p99_ms",
    "enrollment_requests_per_s",
    "enrollment_answers_per_s",
    "stats_rss_mb_per_100k_learners",
    "grading_rss_mb_per_100k_learners",
)


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    check: Callable[[float], bool]
    wanted: str
    needs: str = ""  # another target that must pass too for this one to count


def _at_least(limit: float) -> Callable[[float], bool]:
    return lambda v: operator.ge(v, limit)


def _below(limit: float) -> Callable[[float], bool]:
    return lambda v: operator.lt(v, limit)


# One KB per learner is ~98 MB per 100k: resident growth stands in for state size.
TARGETS = (
    Target("stats_ratio_to_raw", "stats throughput / raw read", _at_least(0.30), "≥ 0.30"),
    Target("grading_ratio_to_raw", "grading throughput / raw read", _at_least(0.03), "≥ 0.03"),
    Target("e2e_rate_per_s", "answer rate of the end-to-end figure", _at_least(300), "≥ 300/s"),
    Target(
        "e2e_answer_p99_ms",
        "answer → graded visible, p99",
        _below(1000),
        "< 1000 ms at ≥ 300/s",
        needs="e2e_rate_per_s",
    ),
    Target(
        "stats_e2e_p99_ms", "event at 2,000/s → on the stats API, p99", _below(1000), "< 1000 ms"
    ),
    Target(
        "enrollment_requests_per_s",
        "lesson progress per instance (p99 ≤ 250 ms)",
        _at_least(1000),
        "≥ 1000/s",
    ),
    Target(
        "enrollment_answers_per_s", "answers per instance (p99 ≤ 250 ms)", _at_least(700), "≥ 700/s"
    ),
    Target(
        "stats_rss_mb_per_100k_learners",
        "stats memory per 100k learners",
        _below(98),
        "< 98 MB (1 KB each)",
    ),
    Target(
        "grading_rss_mb_per_100k_learners",
        "grading memory per 100k learners",
        _below(98),
        "< 98 MB (1 KB each)",
    ),
)


def verdicts(results: dict[str, Any]) -> dict[str, str]:
    met = {t.key: _met(t, results.get(t.key), results.get(f"{t.key}_at_most")) for t in TARGETS}
    return {
        key: "FAIL" if verdict == "pass" and _needs(key) and met[_needs(key)] != "pass" else verdict
        for key, verdict in met.items()
    }


def _met(target: Target, value: Any, at_most: Any) -> str:
    if value is None and at_most is not None and not target.check(float(at_most)):
        return "FAIL"  # did not finish, and even the bound it proves misses the target
    if value is None:
        return "not measured"
    return "pass" if target.check(float(value)) else "FAIL"


def _needs(key: str) -> str:
    return next(t.needs for t in TARGETS if t.key == key)


def write(
    folder: Path, run: dict[str, Any], sizes: Sizes, results: dict[str, Any]
) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        **{k: _rounded(v) for k, v in results.items()},
        "targets": verdicts(results),
        "run": run,
        "machine": machine.describe(),
        "sizes": asdict(sizes),
    }
    json_path, md_path = folder / "performance.json", folder / "PERFORMANCE.md"
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(tables.markdown(document, TARGETS))
    return json_path, md_path


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4 if abs(value) < 1 else 1)
    return value
