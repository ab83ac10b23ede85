"""Rates checked against the figures the official letters quote."""

from __future__ import annotations

import pytest

from hocvuso.domain.rates import percent


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
