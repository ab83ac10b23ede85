"""The bench harness end to end in quick mode, so it cannot rot: every figure the issue
asks for comes out as a positive number, and the page is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.bench.report import REQUIRED

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_writes_every_figure(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads((tmp_path / "performance.json").read_text())
    missing = [k for k in REQUIRED if not isinstance(figures.get(k), int | float)]
    assert not missing, f"missing figures {missing}; output:\n{done.stdout[-3000:]}"
    assert all(figures[k] > 0 for k in REQUIRED), {k: figures[k] for k in REQUIRED}
    assert figures["stats_exact"] is True
    assert figures["grading_outcomes_as_expected"] is True
    page = (tmp_path / "PERFORMANCE.md").read_text()
    assert "python -m tests.bench --quick" in page
