"""Rates as the letters print them: percent with one decimal, or no data."""

from __future__ import annotations

from dataclasses import dataclass

from hocvuso.domain.counters import REPORT_YEARS, Counts, adults_field
from hocvuso.domain.events import CommuneRecorded


def percent(part: int, whole: int | None) -> float | None:
    """`part` of `whole` in percent, one decimal, half away from zero.

    None — shown as "no data" — when the whole is unknown (a commune without a published
    population, say) or zero; never a crash and never a misleading 0.
    """
    if not whole:
        return None
    tenths = (200 * 10 * part + whole) // (2 * whole)  # integer rounding, no float drift
    return tenths / 10


@dataclass(frozen=True, slots=True)
class Rate:
    """A part of a whole, with the percent — or, when there is none, the reason why."""

    part: int
    whole: int | None
    percent: float | None
    reason: str | None = None


def rate(part: int, whole: int | None, unknown: str, empty: str) -> Rate:
    """`unknown`: why there is no rate when the whole was never entered; `empty`: when it
    is zero."""
    if whole is None:
        return Rate(part, None, None, unknown)
    share = percent(part, whole)
    return Rate(part, whole, share, None if share is not None else empty)


# The rates of letter 000-004, each named for what its part is: who was trained (certified
# on the portal) or took part (registered), out of whom.
def certified(counts: Counts) -> Rate:
    """Learners certified out of learners registered: every scope."""
    return rate(counts["certificates"], counts["learners"], "", "nobody has registered yet")


def staff_trained(counts: Counts, headcount: int, missing: tuple[str, ...]) -> Rate:
    """A unit's staff (cbccvc) certified out of its headcount with its sub-units'
    (letter 000; Phụ lục 2 of letter 002). Unknown while any of those units has no
    headcount entered."""
    part = counts["certificates_cbccvc"]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        return Rate(part, None, None, f"headcount not entered for {len(missing)} unit(s): {shown}")
    return rate(part, headcount, "", "headcount entered as 0")


def commune_rates(counts: Counts, commune: CommuneRecorded) -> dict[str, Rate]:
    """A commune's participation (learners out of its population: a criterion of letter
    004) and students trained (hssv certified out of its students: Phụ lục 3)."""
    missing = "{} not entered for commune " + commune.official_code
    return {
        "participation": rate(
            counts["learners"], commune.population, missing.format("population"), "population 0"
        ),
        "students_trained": rate(
            counts["certificates_hssv"], commune.students, missing.format("students"), "students 0"
        ),
    }


def adults(counts: Counts, year: int) -> dict[str, int | None]:
    """Adult learners (born in or before `year` − 18) and how many are certified, for a
    report year; None for a year the counters do not cover."""
    known = year in REPORT_YEARS
    return {
        "year": year,
        "learners": counts[adults_field(year)] if known else None,
        "certified": counts[adults_field(year, certified=True)] if known else None,
        # Registered before birth years were asked: counted nowhere among the adults.
        "birth_year_unknown": counts["learners_born_unknown"],
    }


def adult_rates(
    counts: Counts, adult_population: int | None, year: int, where: str
) -> dict[str, Rate]:
    """Adults who took part, and adults trained, out of the adult population of a commune
    or village (letter 001's target; Phụ lục 3, columns 11–13). Adults of every category
    count: the adult population counts everyone who lives there."""
    if year not in REPORT_YEARS:
        why = f"no adult counts for {year}: the counters cover {REPORT_YEARS[0]}–{REPORT_YEARS[-1]}"
        return {name: Rate(0, adult_population, None, why) for name in _ADULT_RATES}
    unknown = f"adult population not entered for {where}"
    return {
        "adults_participated": rate(
            counts[adults_field(year)], adult_population, unknown, "adult population 0"
        ),
        "adults_trained": rate(
            counts[adults_field(year, certified=True)],
            adult_population,
            unknown,
            "adult population 0",
        ),
    }


_ADULT_RATES = ("adults_participated", "adults_trained")
