"""Rates checked against the figures the official letters quote."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hocvuso.domain.counters import empty_counts
from hocvuso.domain.events import CommuneRecorded
from hocvuso.domain.rates import Rate, certified, commune_rates, percent, staff_trained


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (4_651, 5_435, 85.6),  # education department, letter 000
        (62_327, 81_935, 76.1),  # province on 03/11/2025
        (88_064, 119_285, 73.8),  # province on 11/11/2025 (the letter rounds to 74%)
        (1, 8, 12.5),
        (1, 16, 6.3),  # 6.25 rounds half up
        (0, 10, 0.0),
        (10, 10, 100.0),
    ],
)
def test_percent_with_one_decimal(part: int, whole: int, expected: float) -> None:
    assert percent(part, whole) == expected


@pytest.mark.parametrize("whole", [None, 0])
def test_an_unknown_or_empty_whole_is_no_data(whole: int | None) -> None:
    assert percent(5, whole) is None


def _counts(**given: int) -> dict[str, int]:
    return empty_counts() | given


def test_a_units_staff_trained_over_its_headcount_as_letter_000_counts_it() -> None:
    counts = _counts(learners=5_435, learners_cbccvc=5_435, certificates_cbccvc=4_651)
    assert staff_trained(counts, 5_435, ()) == Rate(4_651, 5_435, 85.6)


def test_a_headcount_nobody_entered_gives_no_rate_and_names_the_units() -> None:
    counts = _counts(certificates_cbccvc=3)
    missing = tuple(f"phong-{n}" for n in range(7))
    got = staff_trained(counts, 120, missing)
    assert (got.part, got.whole, got.percent) == (3, None, None)
    assert got.reason is not None and "7 unit(s)" in got.reason and "phong-0" in got.reason


def test_a_communes_rates_are_null_with_a_reason_where_its_figures_are_unknown() -> None:
    commune = CommuneRecorded(
        official_code="21025",
        name="Phường Cẩm Thành",
        kind="phuong",
        population=60_996,
        changed_by="t",
        changed_at=datetime(2025, 10, 1, tzinfo=UTC),
    )
    rates = commune_rates(_counts(learners=6_100, certificates_hssv=12), commune)
    assert rates["participation"] == Rate(6_100, 60_996, 10.0)
    students = rates["students_trained"]
    assert (students.percent, students.whole) == (None, None)
    assert students.reason == "students not entered for commune 21025"
    nobody = certified(_counts())
    assert nobody.percent is None and nobody.reason == "nobody has registered yet"
