"""CloudEvents-style envelope in Kafka headers, JSON payload in the value."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from hocvuso.domain.events import EVENT_TYPES, Event

SPEC_VERSION = "1.0"
_ID_NAMESPACE = uuid.UUID("3b0c35a2-3c6f-4b55-9a43-0b9c6a1f4d21")
_encoder = msgspec.json.Encoder()
_decoders = {name: msgspec.json.Decoder(cls) for name, cls in EVENT_TYPES.items()}

Headers = list[tuple[str, bytes]]


class UndecodableEvent(ValueError):
    """A record that is not a v1 hocvuso event; it belongs on the dead-letter topic."""


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes
    headers: Headers


def event_id(event: Event, *identity: str) -> str:
    """A deterministic id: the same fact published twice carries the same id."""
    return str(uuid.uuid5(_ID_NAMESPACE, "|".join((event.type_name, *identity))))


def to_record(event: Event, source: str) -> Record:
    identity = event.identity()
    ce_id = event_id(event, *identity) if identity else str(uuid.uuid4())
    headers: Headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", ce_id.encode()),
        ("ce_type", event.type_name.encode()),
        ("ce_source", source.encode()),
        ("ce_time", datetime.now(UTC).isoformat().encode()),
        ("content-type", b"application/json"),
    ]
    return Record(event.topic, event.key.encode(), _encoder.encode(event), headers)


def header_pairs(headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None) -> Headers:
    """aiokafka gives headers as pairs, faust as a mapping; both become pairs."""
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def header(
    headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None, name: str
) -> str | None:
    for key, value in header_pairs(headers):
        if key == name:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


def from_record(
    headers: Mapping[str, bytes] | Sequence[tuple[str, bytes]] | None, value: bytes | None
) -> Event:
    type_name = header(headers, "ce_type")
    if type_name is None:
        raise UndecodableEvent("missing ce_type header")
    decoder = _decoders.get(type_name)
    if decoder is None:
        raise UndecodableEvent(f"unknown event type {type_name!r}")
    if value is None:
        raise UndecodableEvent("empty record value")
    try:
        return decoder.decode(value)
    except msgspec.ValidationError as exc:
        raise UndecodableEvent(f"{type_name}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise UndecodableEvent(f"{type_name}: not JSON: {exc}") from exc


def dead_letter_headers(
    headers: Mapping[str, bytes] | Sequence[tuple[str, bytes]] | None,
    error: str,
    origin: str,
    service: str,
) -> Headers:
    """Keep the original envelope and say what went wrong and where the record came from."""
    kept = [(k, v) for k, v in header_pairs(headers) if not k.startswith("dlq_")]
    return [
        *kept,
        ("dlq_error", error.encode()[:4000]),
        ("dlq_origin", origin.encode()),
        ("dlq_service", service.encode()),
    ]
