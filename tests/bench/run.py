"""Run every measurement against the real stack and write docs/PERFORMANCE.md and
docs/performance.json.

    python -m tests.bench            # what `make bench` runs (≤ 20 minutes)
    python -m tests.bench --quick    # small sizes, a few minutes: proves the harness works
    python -m tests.bench --full     # adds 1 million learners and restart-to-caught-up

Each measurement gets a fresh stack (Tansu, nx-27017, the four services as processes),
so what one leaves behind does not slow the next.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import e2e_answers, grading_stream, http_capacity, memory, report, stats_stream
from tests.bench.sizes import MODES, Sizes
from tests.bench.stack import bench_stack, say

ROOT = Path(__file__).resolve().parents[2]
Phase = Callable[[Sizes], dict[str, Any]]


def streams(sizes: Sizes) -> dict[str, Any]:
    """Stats and grading throughput, and stats' produce → visible latency, on one stack."""
    with bench_stack("streams") as stack:
        result = stats_stream.throughput(stack, sizes.stats_learners, sizes.stream_timeout)
        result |= _merge(
            result, grading_stream.throughput(stack, sizes.grading_learners, sizes.stream_timeout)
        )
        result |= _merge(result, stats_stream.visible_latency(stack, 2000, sizes.stats_e2e_seconds))
        return result


def answers(sizes: Sizes) -> dict[str, Any]:
    """Enrollment's HTTP capacity, then the answer → graded latency on the same stack."""
    with bench_stack("http") as stack:
        result, learners = http_capacity.measure(stack, sizes)
        capacity = result["enrollment_answers_per_s"]
        result |= _merge(result, e2e_answers.measure(stack, sizes, capacity, learners))
        return result


def state(sizes: Sizes) -> dict[str, Any]:
    with bench_stack("memory") as stack:
        return memory.measure(stack, sizes)


PHASES: dict[str, Phase] = {"streams": streams, "answers": answers, "memory": state}


def _merge(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """`more`, with its unfinished parts added to those already noted in `into`."""
    unfinished = into.get("did_not_finish", []) + more.pop("did_not_finish", [])
    return {**more, **({"did_not_finish": unfinished} if unfinished else {})}


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    # A plain `kill` must stop the stacks too, as Ctrl-C does: unwind the context managers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = MODES["quick" if args.quick else "full" if args.full else "standard"]
    began, results = time.monotonic(), dict[str, Any]()
    phases = args.only or list(PHASES)
    command = " ".join(["python", "-m", "tests.bench", *(sys.argv[1:] if argv is None else argv)])
    for n, name in enumerate(phases):
        say(f"== {name} ({sizes.name}) ==")
        try:
            results |= _merge(results, PHASES[name](sizes))
        except Exception as exc:  # one broken phase must not cost the others' figures
            say(f"[{name}] failed: {type(exc).__name__}: {exc}")
            results["did_not_finish"] = [*results.get("did_not_finish", []), f"{name}: {exc}"]
        # Written after every phase: a run stopped halfway still leaves what it measured.
        _write(args.out, sizes, results, (began, command), phases[n + 1 :])
    return 0


def _write(
    folder: Path,
    sizes: Sizes,
    results: dict[str, Any],
    started: tuple[float, str],
    left: list[str],
) -> None:
    """`started`: when and with what command the run began."""
    began, command = started
    run = {
        "mode": sizes.name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "seconds": round(time.monotonic() - began),
        **({"phases_not_run_yet": left} if left else {}),
    }
    json_path, md_path = report.write(folder, run, sizes, results)
    say(f"wrote {json_path} and {md_path} after {run['seconds']} s")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    mode.add_argument("--full", action="store_true", help="adds 1M learners and catch-up")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where to write")
    parser.add_argument("--only", nargs="*", choices=list(PHASES), help="run only these")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
