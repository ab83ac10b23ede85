"""The province's master data as a fold of its events: communes with the figures rates are
divided by, villages per commune, units as a tree with their own headcounts.

Each event carries a record whole, so the book is the latest event per key and a record
seen again changes nothing. A change is checked here before it is published, and an event
read from the log is checked again before it is taken, so a record another producer wrote
cannot break the tree (a unit under a missing parent, a cycle, a village of no commune).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any, TypeVar

from hocvuso.domain import access
from hocvuso.domain.events import CommuneRecorded, MasterDataEvent, UnitRecorded, VillageRecorded
from hocvuso.domain.names import check_code, clean_label
from hocvuso.domain.progress import RuleViolation

COMMUNE_KINDS = ("xa", "phuong", "dac_khu")
# What a commune or unit manager may change in their own scope; the rest (names, kinds,
# the tree itself) is the province's.
COMMUNE_FIGURES = ("population", "adult_population", "students", "plan_number", "launch_date")
UNIT_FIGURES = ("headcount",)
_RECORD_FIELDS = frozenset(("changed_by", "changed_at"))
R = TypeVar("R", CommuneRecorded, VillageRecorded, UnitRecorded)


@dataclass
class MasterBook:
    communes: dict[str, CommuneRecorded] = field(default_factory=dict)
    villages: dict[str, dict[str, VillageRecorded]] = field(default_factory=dict)
    units: dict[str, UnitRecorded] = field(default_factory=dict)
    # Kept in step with `units` and handed out live: whoever rolls counters up the tree
    # sees a unit added or moved without asking again.
    unit_parents: dict[str, str | None] = field(default_factory=dict)
    version: int = 0  # how many changes were taken

    def apply(self, event: MasterDataEvent) -> bool:
        """Take a record (checked first); whether it changed anything."""
        check(self, event)
        known = self.known(event)
        if known is not None and same_record(known, event):
            return False
        if isinstance(event, CommuneRecorded):
            self.communes[event.official_code] = event
        elif isinstance(event, VillageRecorded):
            self.villages.setdefault(event.commune_code, {})[event.code] = event
        elif isinstance(event, UnitRecorded):
            self.units[event.code] = event
            self.unit_parents[event.code] = event.parent
        self.version += 1
        return True

    def known(self, event: MasterDataEvent) -> MasterDataEvent | None:
        """The record the book holds under the same key as `event`."""
        if isinstance(event, CommuneRecorded):
            return self.communes.get(event.official_code)
        if isinstance(event, VillageRecorded):
            return self.villages.get(event.commune_code, {}).get(event.code)
        if isinstance(event, UnitRecorded):
            return self.units.get(event.code)
        return None

    def holds(self, event: MasterDataEvent) -> bool:
        known = self.known(event)
        return known is not None and same_record(known, event)

    def lineage(self, unit_code: str | None) -> tuple[str, ...]:
        return access.lineage(unit_code, self.unit_parents)

    def headcount(self, code: str) -> tuple[int, tuple[str, ...]]:
        """The staff of a unit and of every unit below it, and, in tree order, the units
        among them whose headcount nobody has entered (counted as none: a rate over such
        a sum would look better than it is, so whoever shows one says it is missing)."""
        below: dict[str | None, list[str]] = {}
        for unit, parent in self.unit_parents.items():
            below.setdefault(parent, []).append(unit)
        total, missing, todo, seen = 0, list[str](), [code], set[str]()
        while todo:
            unit = todo.pop()
            if unit in seen or unit not in self.units:
                continue
            seen.add(unit)
            own = self.units[unit].headcount
            if own is None:
                missing.append(unit)
            else:
                total += own
            todo.extend(reversed(below.get(unit, [])))
        return total, tuple(missing)

    def unit_subject(self, code: str) -> access.Subject:
        unit = self.units.get(code)
        commune = unit.commune_code if unit is not None and unit.commune_code else ""
        return access.Subject(None, commune, self.lineage(code))


def same_record(a: MasterDataEvent, b: MasterDataEvent) -> bool:
    """The same record, whoever recorded it and when."""
    return type(a) is type(b) and all(
        getattr(a, f.name) == getattr(b, f.name) for f in fields(a) if f.name not in _RECORD_FIELDS
    )


def _count(value: int | None, what: str) -> None:
    if value is not None and (isinstance(value, bool) or value < 0):
        raise RuleViolation(f"{what} is a whole number of people, 0 or more", "invalid_figure")


def _part_of(part: int | None, whole: int | None, what: str, of: str) -> None:
    if part is not None and whole is not None and part > whole:
        raise RuleViolation(f"{what} ({part}) cannot exceed {of} ({whole})", "invalid_figure")


def check(book: MasterBook, event: MasterDataEvent) -> None:
    """RuleViolation if the record is malformed or does not fit the rest of the book."""
    if isinstance(event, CommuneRecorded):
        _check_commune(event)
    elif isinstance(event, VillageRecorded):
        _check_village(book, event)
    elif isinstance(event, UnitRecorded):
        _check_unit(book, event)
    else:
        raise RuleViolation(f"not master data: {type(event).__name__}", "invalid_record")


def _check_commune(event: CommuneRecorded) -> None:
    check_code(event.official_code, "commune")
    clean_label(event.name, "commune")
    if event.kind not in COMMUNE_KINDS:
        raise RuleViolation(
            f"a commune's kind is one of {', '.join(COMMUNE_KINDS)}", "invalid_kind"
        )
    for name in ("population", "adult_population", "students"):
        _count(getattr(event, name), name)
    _part_of(event.adult_population, event.population, "adult_population", "population")
    _part_of(event.students, event.population, "students", "population")
    if event.plan_number is not None and not 1 <= len(event.plan_number) <= 100:
        raise RuleViolation("a plan number has 1 to 100 characters", "invalid_figure")


def _check_village(book: MasterBook, event: VillageRecorded) -> None:
    check_code(event.code, "village")
    clean_label(event.name, "village")
    _known_commune(book, event.commune_code)
    _count(event.population, "population")
    _count(event.adult_population, "adult_population")
    _part_of(event.adult_population, event.population, "adult_population", "population")


def _check_unit(book: MasterBook, event: UnitRecorded) -> None:
    check_code(event.code, "unit")
    clean_label(event.name, "unit")
    check_code(event.group, "unit group")
    _count(event.headcount, "headcount")
    if event.commune_code is not None:
        _known_commune(book, event.commune_code)
    if event.parent is None:
        return
    if event.parent not in book.units:
        raise RuleViolation(f"no parent unit {event.parent!r}", "unknown_unit")
    if event.code in book.lineage(event.parent):
        raise RuleViolation(
            f"unit {event.code} cannot sit under {event.parent}: that is below it", "unit_cycle"
        )


def _known_commune(book: MasterBook, code: str) -> None:
    if code not in book.communes:
        raise RuleViolation(f"no commune with official code {code!r}", "unknown_commune")


# Commands: the record after a change, checked, ready to publish. `changes` holds only
# the fields the caller sent (a JSON merge patch); None in it means "unknown from now on".


def change_commune(
    book: MasterBook, code: str, changes: Mapping[str, Any], by: str, now: datetime
) -> CommuneRecorded:
    current = book.communes.get(code)
    if current is None:
        raise RuleViolation(f"no commune with official code {code!r}", "unknown_commune")
    changed = replace(current, **_dates(changes), changed_by=by, changed_at=now)
    return _checked(book, changed)


def record_commune(
    book: MasterBook, code: str, record: Mapping[str, Any], by: str, now: datetime
) -> CommuneRecorded:
    event = CommuneRecorded(official_code=code, changed_by=by, changed_at=now, **_dates(record))
    return _checked(book, _clean(event))


def record_village(
    book: MasterBook,
    commune_code: str,
    code: str,
    record: Mapping[str, Any],
    by: str,
    now: datetime,
) -> VillageRecorded:
    event = VillageRecorded(
        commune_code=commune_code, code=code, changed_by=by, changed_at=now, **record
    )
    return _checked(book, _clean(event))


def change_unit(
    book: MasterBook, code: str, changes: Mapping[str, Any], by: str, now: datetime
) -> UnitRecorded:
    current = book.units.get(code)
    if current is None:
        raise RuleViolation(f"no unit with code {code!r}", "unknown_unit")
    return _checked(book, replace(current, **changes, changed_by=by, changed_at=now))


def record_unit(
    book: MasterBook, code: str, record: Mapping[str, Any], by: str, now: datetime
) -> UnitRecorded:
    event = UnitRecorded(code=code, changed_by=by, changed_at=now, **record)
    return _checked(book, _clean(event))


def _dates(values: Mapping[str, Any]) -> dict[str, Any]:
    launch = values.get("launch_date")
    if isinstance(launch, str):
        try:
            return {**values, "launch_date": date.fromisoformat(launch)}
        except ValueError:
            raise RuleViolation(
                f"launch_date is a date as YYYY-MM-DD, not {launch!r}", "invalid_figure"
            ) from None
    return dict(values)


def _clean(event: R) -> R:
    what = type(event).__name__.removesuffix("Recorded").lower()
    return replace(event, name=clean_label(event.name, what))


def _checked(book: MasterBook, event: R) -> R:
    check(book, event)
    return event


def book_of(events: Iterable[MasterDataEvent]) -> MasterBook:
    book = MasterBook()
    for event in events:
        book.apply(event)
    return book
