"""The packaged copies of the province's master data, read from the CSVs in this folder."""

from __future__ import annotations

import csv
import io
from importlib import resources

from hocvuso.domain.reference import Commune, Unit, commune_committee_code


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
