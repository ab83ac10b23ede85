"""Master data held in memory by the services that validate or label by it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient

from hocvuso.adapters.mongo import read_reference
from hocvuso.settings import MongoSettings


@dataclass(frozen=True)
class ReferenceData:
    communes: dict[str, dict[str, Any]]
    units: dict[str, dict[str, Any]]

    @property
    def unit_parents(self) -> dict[str, str | None]:
        return {code: unit.get("parent") for code, unit in self.units.items()}


class MasterDataMissing(RuntimeError):
    pass


async def load_reference_data(
    client: AsyncMongoClient[dict[str, Any]], settings: MongoSettings
) -> ReferenceData:
    communes, units = await read_reference(client, settings)
    if not communes:
        raise MasterDataMissing("no communes in the reference database: run `hocvuso seed` first")
    return ReferenceData(communes=communes, units=units)
