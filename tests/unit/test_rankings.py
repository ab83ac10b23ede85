"""Rankings: ties share a rank, the unranked come last with their reason, and the change
since the day before is in places gained."""

from __future__ import annotations

from fractions import Fraction

from hocvuso.domain.rankings import Candidate, rank, ranks


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    assert ranks({"a": 5, "b": 9, "c": 5, "d": 1, "e": None}) == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_ratios_rank_by_their_exact_value_not_their_rounded_percent() -> None:
    # 85.6% both when rounded, but not equal
    assert ranks({"a": Fraction(4651, 5435), "b": Fraction(856, 1000)}) == {"b": 1, "a": 2}


def test_the_unranked_come_last_with_their_reason_and_changes_count_places_gained() -> None:
    candidates = [
        Candidate("21025", "Xã A", 40),
        Candidate("21028", "Xã B", 70),
        Candidate("21031", "Xã C", None, "population not entered for commune 21031"),
        Candidate("21034", "Xã D", 40),
    ]
    yesterday = {"21025": 50, "21028": 10, "21031": None, "21034": None}
    placed = rank(candidates, yesterday)
    assert [(p.code, p.rank, p.previous_rank, p.change) for p in placed] == [
        ("21028", 1, 2, 1),
        ("21025", 2, 1, -1),
        ("21034", 2, None, None),  # no rank the day before
        ("21031", None, None, None),
    ]
    assert placed[-1].reason == "population not entered for commune 21031"


def test_without_a_day_before_there_is_no_change() -> None:
    placed = rank([Candidate("a", "A", 3), Candidate("b", "B", 3)], None)
    assert [(p.rank, p.change) for p in placed] == [(1, None), (1, None)]
