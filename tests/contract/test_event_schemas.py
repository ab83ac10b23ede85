"""The committed JSON Schemas are the contract; a payload type may not drift from them.

Within a major version only optional fields may be added (regenerate the schemas with
`make schemas`); anything else — a removed or renamed field, a changed type, a new
required field — needs a new versioned type name and topic.
"""

from __future__ import annotations

import json

import pytest

from hocvuso.domain.events import EVENT_TYPES, MASTER_DATA_TOPIC, MASTER_DATA_TYPES, TOPICS
from hocvuso.events.schemas import ALL_TYPES, SCHEMA_DIR, schema_of


def committed(type_name: str) -> dict:
    path = SCHEMA_DIR / f"{type_name}.json"
    assert path.exists(), f"{path.name} is not committed: run `make schemas`"
    return json.loads(path.read_text(encoding="utf-8"))


def body(schema: dict) -> dict:
    """The object schema of the payload itself, wherever msgspec placed it."""
    return schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema


def breaking_changes(old: dict, new: dict) -> list[str]:
    old_body, new_body = body(old), body(new)
    problems = []
    for name, spec in old_body["properties"].items():
        if name not in new_body["properties"]:
            problems.append(f"field {name!r} was removed")
        elif new_body["properties"][name] != spec:
            problems.append(f"field {name!r} changed from {spec} to {new_body['properties'][name]}")
    added_required = set(new_body.get("required", [])) - set(old_body.get("required", []))
    problems += [f"field {name!r} is newly required" for name in sorted(added_required)]
    return problems


@pytest.mark.parametrize("type_name", sorted(ALL_TYPES))
def test_each_event_type_matches_its_committed_schema(type_name: str) -> None:
    old, new = committed(type_name), schema_of(type_name)
    breaking = breaking_changes(old, new)
    assert not breaking, (
        f"{type_name} changed incompatibly ({'; '.join(breaking)}): publish a new type "
        "name (…v2) on a new topic instead of editing v1"
    )
    assert old == new, f"{type_name} gained optional fields: run `make schemas` and commit"


def test_no_schema_is_committed_for_a_type_that_no_longer_exists() -> None:
    on_disk = {p.name.removesuffix(".json") for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == set(ALL_TYPES)


def test_type_names_are_fully_qualified_and_versioned() -> None:
    for type_name, cls in ALL_TYPES.items():
        parts = type_name.split(".")
        assert parts[:2] == ["vn", "hocvuso"] and parts[-1] == "v1", type_name
        assert cls.topic in TOPICS and cls.topic.endswith(".v1")


def test_every_learning_event_is_keyed_by_the_learner() -> None:
    for type_name in EVENT_TYPES:
        schema = committed(type_name)
        assert schema["x-kafka-key"] == "learner_id"
        assert "learner_id" in body(schema)["required"]


def test_master_data_records_are_keyed_by_the_record_and_say_who_changed_them() -> None:
    for type_name, cls in MASTER_DATA_TYPES.items():
        schema = committed(type_name)
        assert cls.topic == MASTER_DATA_TOPIC
        assert schema["x-kafka-key"].startswith(type_name.split(".")[3] + ":")
        assert {"changed_by", "changed_at"} <= set(body(schema)["required"])
        assert "learner_id" not in body(schema)["properties"]


def test_the_drift_check_tells_breaking_from_additive() -> None:
    old = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    additive = {
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert breaking_changes(old, additive) == []
    renamed = {"properties": {"c": {"type": "string"}}, "required": ["c"]}
    assert breaking_changes(old, renamed) == [
        "field 'a' was removed",
        "field 'c' is newly required",
    ]
    retyped = {"properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert "changed" in breaking_changes(old, retyped)[0]
