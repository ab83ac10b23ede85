"""CloudEvents-style envelope in Kafka headers, JSON payload in the value.

`decode` is the one gate every consumed record passes: whatever bytes arrive in the key,
the value or any header, it returns a v1 event or raises `PoisonRecord` — never anything
else — so a consumer can dead-letter the record and move on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

import msgspec

from hocvuso.domain.events import EVENT_TYPES, MASTER_DATA_TYPES, AnyEvent, Event, MasterDataEvent

SPEC_VERSION = "1.0"
_ID_NAMESPACE = uuid.UUID("3b0c35a2-3c6f-4b55-9a43-0b9c6a1f4d21")
_DEAD_LETTER_NAMESPACE = uuid.UUID("c2d8a3f0-5a0e-4a8e-9f61-6f3f8f0c9b17")
_encoder = msgspec.json.Encoder()
_decoders: dict[str, msgspec.json.Decoder[AnyEvent]] = {
    name: msgspec.json.Decoder(cls) for name, cls in {**EVENT_TYPES, **MASTER_DATA_TYPES}.items()
}
# The envelope headers a v1 record must carry, each exactly once, as UTF-8 text.
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source")
_REQUIRED = frozenset(REQUIRED_HEADERS)
_SPEC_VERSION_BYTES = SPEC_VERSION.encode()
# Keyed by the header's bytes: a known type needs no text decoding to be found.
_decoders_by_type = {name.encode(): decoder for name, decoder in _decoders.items()}

Headers = list[tuple[str, bytes]]


class PoisonRecord(ValueError):
    """A record that is not a v1 hocvuso event; it belongs on the dead-letter topic."""


@dataclass(frozen=True, slots=True)
class Record:
    """An event ready to be sent."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers


class InboundRecord(NamedTuple):
    """A consumed record as the broker gave it, whichever client read it (a tuple: one is
    made for every record of the province)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int = 0  # the broker's record time (epoch milliseconds); 0: not known

    @property
    def origin(self) -> str:
        return f"{self.topic}/{self.partition}@{self.offset}"


def event_id(event: AnyEvent, *identity: str) -> str:
    """A deterministic id: the same fact published twice carries the same id."""
    return str(uuid.uuid5(_ID_NAMESPACE, "|".join((event.type_name, *identity))))


def encode(event: AnyEvent) -> bytes:
    return _encoder.encode(event)


def to_record(event: AnyEvent, source: str, ce_id: str | None = None) -> Record:
    """`ce_id` defaults to the fact's deterministic id, or a fresh one for repeatable facts."""
    if ce_id is None:
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
    return Record(event.topic, event.key.encode(), encode(event), headers)


def header_pairs(headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None) -> Headers:
    """aiokafka gives headers as pairs, faust as a mapping; both become pairs."""
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def header(headers: Iterable[tuple[str, bytes]], name: str) -> str | None:
    """The text of a header of ours; PoisonRecord when it is not UTF-8 or appears twice."""
    values = [value for key, value in headers if key == name]
    if not values:
        return None
    if len(values) > 1:
        raise PoisonRecord(f"header {name} appears {len(values)} times")
    try:
        return bytes(values[0]).decode("utf-8")
    except (UnicodeDecodeError, TypeError) as exc:
        raise PoisonRecord(f"header {name} is not UTF-8 text") from exc


def decode(record: InboundRecord) -> Event:
    """A learner's event, from a learning topic."""
    event = _decode_any(record)
    if not isinstance(event, Event):
        raise PoisonRecord(f"{event.type_name} is master data, not a learner's event")
    if not event.learner_id or record.key != event.learner_id.encode():
        raise PoisonRecord("the record key is not the event's learner id")
    return event


def decode_master_data(record: InboundRecord) -> MasterDataEvent:
    """A commune, village or unit record, from the master-data topic."""
    event = _decode_any(record)
    if not isinstance(event, MasterDataEvent):
        raise PoisonRecord(f"{event.type_name} is a learner's event, not master data")
    if record.key != event.key.encode():
        raise PoisonRecord(f"the record key is not {event.key!r}")
    return event


def _decode_any(record: InboundRecord) -> AnyEvent:
    try:
        return _decode(record)
    except PoisonRecord:
        raise
    except Exception as exc:  # whatever the bytes provoke, it is the record's fault
        raise PoisonRecord(f"undecodable record: {type(exc).__name__}: {exc}") from exc


def _envelope(headers: tuple[tuple[str, bytes], ...]) -> dict[str, bytes]:
    """Our envelope headers, each once. Every record of the province comes through here:
    the usual record, with no header twice, is checked in one C-level pass."""
    found = dict(headers)
    if len(found) != len(headers):  # some header repeats: is it one of ours?
        found = {}
        for key, value in headers:
            if key in _REQUIRED:
                if key in found:
                    raise PoisonRecord(f"header {key} appears more than once")
                found[key] = value
    if not found.keys() >= _REQUIRED:
        missing = [name for name in REQUIRED_HEADERS if name not in found]
        raise PoisonRecord(f"missing {', '.join(missing)} header")
    return found


def _check_text(name: str, value: bytes) -> None:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PoisonRecord(f"header {name} is not UTF-8 text") from exc


def _decode(record: InboundRecord) -> AnyEvent:
    envelope = _envelope(record.headers)
    if envelope["ce_specversion"] != _SPEC_VERSION_BYTES:
        raise PoisonRecord(f"unsupported ce_specversion {envelope['ce_specversion']!r}")
    ce_id, ce_source = envelope["ce_id"], envelope["ce_source"]
    if not (ce_id.isascii() and ce_source.isascii()):  # the usual case needs no decoding
        _check_text("ce_id", ce_id)
        _check_text("ce_source", ce_source)
    if not ce_id or not ce_source:
        raise PoisonRecord("empty ce_id or ce_source header")
    type_name = envelope["ce_type"]
    decoder = _decoders_by_type.get(type_name)
    if decoder is None:
        raise PoisonRecord(f"unknown event type {type_name!r}")
    if record.value is None:
        raise PoisonRecord("empty record value")
    try:
        event = decoder.decode(record.value)
    except msgspec.ValidationError as exc:
        raise PoisonRecord(f"{type_name.decode()}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise PoisonRecord(f"{type_name.decode()}: not JSON: {exc}") from exc
    return event


def decode_payload(type_name: str, body: bytes) -> Event:
    """An event this service stored itself (the outbox), by its type name."""
    event = _decoders[type_name].decode(body)
    if not isinstance(event, Event):
        raise TypeError(f"{type_name} is not a learner's event")
    return event


def dead_letter_id(service: str, record: InboundRecord) -> str:
    """The same record dead-lettered again by the same service (after a crash, say) carries
    the same id, so tools reading the dead-letter topic can drop the repeat."""
    return str(uuid.uuid5(_DEAD_LETTER_NAMESPACE, f"{service}|{record.origin}"))


def dead_letter_headers(record: InboundRecord, error: str, service: str) -> Headers:
    """Keep the original envelope byte for byte and say what went wrong and where."""
    kept = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
    return [
        *kept,
        ("dlq_id", dead_letter_id(service, record).encode()),
        ("dlq_error", error.encode()[:4000]),
        ("dlq_origin", record.origin.encode()),
        ("dlq_service", service.encode()),
    ]
