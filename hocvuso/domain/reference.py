"""Master data: the province's communes and units, and how a commune's committee is coded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Commune:
    official_code: str
    name: str
    kind: str
    population: int | None  # None: not published, which is not zero


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    group: str
    parent: str | None = None
    commune: str | None = None  # set for a commune's people's committee


def commune_committee_code(official_code: str) -> str:
    return f"ubnd-{official_code}"
