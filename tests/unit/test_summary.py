"""Letter 003's paragraph and Vietnamese number formats; which moments `as_of` accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hocvuso.domain.as_of import InvalidMoment, moment
from hocvuso.domain.counters import empty_counts
from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.summary import number, share, summary

START = datetime(2025, 10, 1, tzinfo=VIETNAM)
NOW = datetime(2025, 11, 11, 2, 0, 30, tzinfo=UTC)


def test_letter_003_the_figures_read_as_the_letter_writes_them() -> None:
    counts = {
        **empty_counts(),
        "learners": 119_285,
        "learners_cbccvc": 44_683,
        "learners_citizen": 74_602,
        "certificates": 88_064,
    }
    at = datetime(2025, 11, 11, 9, 0, tzinfo=VIETNAM)
    got = summary(counts, at)
    assert (got["learners"], got["cbccvc"], got["others"], got["certified"]) == (
        119_285,
        44_683,
        74_602,
        88_064,
    )
    assert got["certified_percent"] == 73.8
    assert got["formatted"] == {
        "learners": "119.285",
        "cbccvc": "44.683",
        "others": "74.602",
        "certified": "88.064",
        "certified_percent": "73,8%",
    }
    assert got["text"] == (
        "Tính đến 09 giờ 00 ngày 11/11/2025: Tổng số tài khoản học viên tham gia là 119.285 "
        "học viên, trong đó có 44.683 học viên là CBCCVC và 74.602 học viên là người dân; "
        "Tổng số học viên đã hoàn thành khóa học và được cấp chứng nhận: 88.064 người "
        "(đạt 73,8%)."
    )


def test_numbers_in_vietnamese_format() -> None:
    assert [number(n) for n in (0, 999, 5_435, 1_000_000)] == ["0", "999", "5.435", "1.000.000"]
    assert [share(v) for v in (85.6, 100.0, 0.0, None)] == [
        "85,6%",
        "100,0%",
        "0,0%",
        "không có số liệu",
    ]


def test_as_of_is_taken_to_the_second_with_the_report_year_in_vietnam() -> None:
    asked = datetime(2025, 12, 31, 23, 30, 15, 900_000, tzinfo=UTC)  # already 2026 at +07
    got = moment(asked, START, datetime(2026, 1, 5, tzinfo=UTC))
    assert got.second == int(datetime(2025, 12, 31, 23, 30, 15, tzinfo=UTC).timestamp())
    assert got.year == 2026


@pytest.mark.parametrize(
    ("asked", "says"),
    [
        (NOW + timedelta(seconds=1), "future"),
        (START - timedelta(seconds=1), "before the campaign"),
        (datetime(2025, 11, 1), "offset"),
    ],
)
def test_as_of_outside_the_campaign_is_refused_with_the_reason(asked: datetime, says: str) -> None:
    with pytest.raises(InvalidMoment, match=says):
        moment(asked, START, NOW)
