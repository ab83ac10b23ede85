"""Master data: the province's communes and units, read from the packaged CSV copies."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Commune:
    official_code: str
    name: str
    kind: str
    population: int | None  # None: not published, which is not zero

    def to_dict(self) -> dict[str, object]:
        return {
            "_id": self.official_code,
            "name": self.name,
            "kind": self.kind,
            "population": self.population,
        }


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    group: str
    parent: str | None = None
    commune: str | None = None  # set for a commune's people's committee

    def to_dict(self) -> dict[str, object]:
        return {
            "_id": self.code,
            "name": self.name,
            "group": self.group,
            "parent": self.parent,
            "commune": self.commune,
        }


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("hocvuso.reference_data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def communes() -> list[Commune]:
    return [
        Commune(
            official_code=row["official_code"],
            name=row["name"],
            kind=row["kind"],
            population=int(row["population"]) if row["population"].strip() else None,
        )
        for row in _rows("communes.csv")
    ]


def commune_committee_code(official_code: str) -> str:
    return f"ubnd-{official_code}"


def units() -> list[Unit]:
    """Provincial agencies, then each commune's people's committee as a unit of its own."""
    agencies = [
        Unit(code=r["code"], name=r["name"], group=r["group"]) for r in _rows("agencies.csv")
    ]
    committees = [
        Unit(
            code=commune_committee_code(c.official_code),
            name=f"UBND {c.name}",
            group="ubnd_xa",
            commune=c.official_code,
        )
        for c in communes()
    ]
    return agencies + committees
