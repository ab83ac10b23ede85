"""Rankings as letter 004 reads them: rank, value and how the rank moved since the day
before. Ties share a rank (1, 2, 2, 4); whoever has no value (a population never entered)
comes after the ranked, unranked, with the reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

Value = int | Fraction  # exact: a ratio ranks by its value, not by its rounded percent


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str
    name: str
    value: Value | None
    reason: str | None = None  # why there is no value


@dataclass(frozen=True, slots=True)
class Placed:
    code: str
    name: str
    value: Value | None
    rank: int | None
    previous_rank: int | None  # the day before; None: unranked then, or no day before
    change: int | None  # places gained since the day before (negative: lost)
    reason: str | None


def ranks(values: Mapping[str, Value | None]) -> dict[str, int]:
    """Competition ranks, highest value first; codes without a value get none."""
    ordered = sorted((v, code) for code, v in values.items() if v is not None)
    ordered.reverse()
    out: dict[str, int] = {}
    for position, (value, code) in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        tied = previous is not None and previous[0] == value
        out[code] = out[previous[1]] if tied and previous is not None else position
    return out


def rank(
    candidates: Sequence[Candidate], yesterday: Mapping[str, Value | None] | None
) -> list[Placed]:
    now = ranks({c.code: c.value for c in candidates})
    before = ranks(yesterday) if yesterday is not None else {}
    placed = []
    for c in candidates:
        r, p = now.get(c.code), before.get(c.code)
        change = p - r if r is not None and p is not None else None
        placed.append(Placed(c.code, c.name, c.value, r, p, change, c.reason))
    placed.sort(key=lambda e: (e.rank is None, e.rank or 0, e.code))
    return placed
