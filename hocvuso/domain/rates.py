"""Rates as the letters print them: percent with one decimal, or no data."""

from __future__ import annotations


def percent(part: int, whole: int | None) -> float | None:
    """`part` of `whole` in percent, one decimal, half away from zero.

    None — shown as "no data" — when the whole is unknown (a commune without a published
    population, say) or zero; never a crash and never a misleading 0.
    """
    if not whole:
        return None
    tenths = (200 * 10 * part + whole) // (2 * whole)  # integer rounding, no float drift
    return tenths / 10
