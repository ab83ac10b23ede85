"""The packaged copies of the province's master data, read from the CSVs in this folder."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from importlib import resources

from hocvuso.domain.events import CommuneRecorded, MasterDataEvent, UnitRecorded, VillageRecorded
from hocvuso.domain.reference import Commune, Unit, commune_committee_code

SEED_ACCOUNT = "seed"  # who recorded the packaged data, in `changed_by`


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


DEMO_VILLAGES_PER_COMMUNE = 3


def packaged_master_data(now: datetime, demo_villages: bool = False) -> list[MasterDataEvent]:
    """The packaged communes and units as master-data records, parents before children;
    with `demo_villages`, a few made-up villages per commune, marked synthetic (no public
    source lists villages: each commune enters its own)."""
    return [*_communes(now), *_units(now), *(_demo_villages(now) if demo_villages else [])]


def _communes(now: datetime) -> list[MasterDataEvent]:
    return [
        CommuneRecorded(
            official_code=c.official_code,
            name=c.name,
            kind=c.kind,
            population=c.population,
            changed_by=SEED_ACCOUNT,
            changed_at=now,
        )
        for c in communes()
    ]


def _units(now: datetime) -> list[MasterDataEvent]:
    return [
        UnitRecorded(
            code=u.code,
            name=u.name,
            group=u.group,
            parent=u.parent,
            commune_code=u.commune,
            changed_by=SEED_ACCOUNT,
            changed_at=now,
        )
        for u in units()
    ]


def _demo_villages(now: datetime) -> list[MasterDataEvent]:
    return [
        VillageRecorded(
            commune_code=c.official_code,
            code=f"thon-{n}",
            name=f"Thôn {n} (minh họa)",
            synthetic=True,
            changed_by=SEED_ACCOUNT,
            changed_at=now,
        )
        for c in communes()
        for n in range(1, DEMO_VILLAGES_PER_COMMUNE + 1)
    ]
