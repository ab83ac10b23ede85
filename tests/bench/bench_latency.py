"""Latency of one quiz, submit → graded result visible, through the running stack.

Compares our consumer fetch wait (100 ms) with faust's built-in 1,500 ms in one run:
Tansu holds an empty fetch for about half of it, so it bounds every hop.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import httpx

from hocvuso.devstack import running_stack

ATTEMPTS = 40


def measure(fetch_wait_ms: int) -> list[float]:
    env = {"HOCVUSO_KAFKA__FETCH_MAX_WAIT_MS": str(fetch_wait_ms)}
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp), extra_env=env) as stack:
        api = httpx.Client(base_url=stack.url("enrollment"), timeout=10)
        body = {"full_name": "Bench", "category": "citizen", "commune_code": "21025"}
        learner = api.post("/v1/learners", json=body).json()["learner_id"]
        samples = []
        for i in range(ATTEMPTS + 3):
            attempt = api.post(f"/v1/learners/{learner}/attempts", json={"topic": 1}).json()
            path = f"/v1/attempts/{attempt['attempt_id']}"
            started = time.perf_counter()
            api.post(f"{path}/answers", json={"answers": {}})
            while api.get(path).json()["status"] != "graded":
                time.sleep(0.005)
            if i >= 3:  # the first ones include the consumers' warm-up
                samples.append((time.perf_counter() - started) * 1000)
        return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main() -> None:
    print(f"submit → graded visible, {ATTEMPTS} quizzes each (two hops: grading, enrollment)")
    results = {}
    for wait in (100, 1500):
        p50, p95 = summary(measure(wait))
        results[wait] = p50
        print(f"  fetch wait {wait:>5} ms: p50 {p50:7.0f} ms   p95 {p95:7.0f} ms")
    print(f"ratio p50 at 1500 ms / at 100 ms: {results[1500] / results[100]:5.2f}")


if __name__ == "__main__":
    main()
