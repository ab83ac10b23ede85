"""JSON Schemas of the v1 events, generated from the payload types and committed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from hocvuso.domain.events import EVENT_TYPES

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "events"


def schema_of(type_name: str) -> dict[str, Any]:
    cls = EVENT_TYPES[type_name]
    schema = msgspec.json.schema(cls)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://hocvuso.vn/schemas/events/{type_name}.json",
        "title": type_name,
        "x-kafka-topic": cls.topic,
        "x-kafka-key": "learner_id",
        **schema,
    }


def render(type_name: str) -> str:
    return json.dumps(schema_of(type_name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for type_name in EVENT_TYPES:
        path = directory / f"{type_name}.json"
        path.write_text(render(type_name), encoding="utf-8")
        written.append(path)
    return written
