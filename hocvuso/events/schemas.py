"""JSON Schemas of the v1 events, generated from the payload types and committed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from hocvuso.domain.events import EVENT_TYPES, MASTER_DATA_TYPES, AnyEvent

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "events"


ALL_TYPES: dict[str, type[AnyEvent]] = {**EVENT_TYPES, **MASTER_DATA_TYPES}
# How each master-data record is keyed: the same key for every version of one record.
_MASTER_DATA_KEYS = {
    "vn.hocvuso.masterdata.commune.recorded.v1": "commune:<official_code>",
    "vn.hocvuso.masterdata.village.recorded.v1": "village:<commune_code>/<code>",
    "vn.hocvuso.masterdata.unit.recorded.v1": "unit:<code>",
}


def schema_of(type_name: str) -> dict[str, Any]:
    cls = ALL_TYPES[type_name]
    schema = msgspec.json.schema(cls)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://hocvuso.vn/schemas/events/{type_name}.json",
        "title": type_name,
        "x-kafka-topic": cls.topic,
        "x-kafka-key": _MASTER_DATA_KEYS.get(type_name, "learner_id"),
        **schema,
    }


def render(type_name: str) -> str:
    return json.dumps(schema_of(type_name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for type_name in ALL_TYPES:
        path = directory / f"{type_name}.json"
        path.write_text(render(type_name), encoding="utf-8")
        written.append(path)
    return written
