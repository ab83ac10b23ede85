"""Master data in the core: a book folded from records, changes checked before they are
published, and records from the log checked again before they are taken."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from hocvuso.domain import master_data as core
from hocvuso.domain.events import CommuneRecorded, UnitRecorded, VillageRecorded
from hocvuso.domain.progress import RuleViolation
from hocvuso.events.envelope import (
    InboundRecord,
    PoisonRecord,
    decode,
    decode_master_data,
    to_record,
)

NOW = datetime(2025, 10, 9, 8, 0, tzinfo=UTC)
LATER = datetime(2025, 10, 10, 8, 0, tzinfo=UTC)


def commune(code: str = "21025", **fields: object) -> CommuneRecorded:
    values: dict[str, object] = {"name": "Phường Cẩm Thành", "kind": "phuong", **fields}
    return CommuneRecorded(official_code=code, changed_by="seed", changed_at=NOW, **values)  # type: ignore[arg-type]


def unit(code: str, parent: str | None = None, **fields: object) -> UnitRecorded:
    values: dict[str, object] = {"name": f"Đơn vị {code}", "group": "so", **fields}
    return UnitRecorded(code=code, parent=parent, changed_by="seed", changed_at=NOW, **values)  # type: ignore[arg-type]


def book() -> core.MasterBook:
    return core.book_of([commune(population=60996), unit("so-x"), unit("phong-a", "so-x")])


def test_the_book_is_the_latest_record_per_key_and_a_repeat_changes_nothing() -> None:
    held = book()
    assert held.unit_parents == {"so-x": None, "phong-a": "so-x"}
    version = held.version
    again = replace(commune(population=60996), changed_by="m-2", changed_at=LATER)
    assert held.apply(again) is False
    assert held.version == version, "the same record recorded later is no change"
    assert held.apply(commune(population=61000)) is True
    assert held.communes["21025"].population == 61000
    assert held.lineage("phong-a") == ("phong-a", "so-x")


def test_a_change_keeps_what_it_does_not_name_and_none_means_unknown() -> None:
    held = book()
    changed = core.change_commune(
        held, "21025", {"adult_population": 45000, "launch_date": "2025-10-09"}, "m-1", LATER
    )
    assert (changed.population, changed.adult_population) == (60996, 45000)
    assert changed.launch_date == date(2025, 10, 9)
    assert (changed.changed_by, changed.changed_at) == ("m-1", LATER)
    forgotten = core.change_commune(held, "21025", {"population": None}, "m-1", LATER)
    assert forgotten.population is None, "unknown from now on, never zero"


@pytest.mark.parametrize(
    ("record", "rule"),
    [
        (commune(population=-1), "invalid_figure"),
        (commune(population=100, adult_population=101), "invalid_figure"),
        (commune(population=100, students=200), "invalid_figure"),
        (commune(kind="tinh"), "invalid_kind"),
        (commune(name="Phường\u202eX"), "invalid_name"),
        (commune(code="21 025"), "invalid_code"),
        (unit("phong-b", "khong-co"), "unknown_unit"),
        (unit("so-x", "phong-a"), "unit_cycle"),  # so-x would sit under its own sub-unit
        (unit("so-x", "so-x"), "unit_cycle"),
        (unit("ubnd-1", commune_code="99999"), "unknown_commune"),
        (unit("phong-c", headcount=-3), "invalid_figure"),
        (
            VillageRecorded(
                commune_code="99999", code="thon-1", name="Thôn 1", changed_by="m", changed_at=NOW
            ),
            "unknown_commune",
        ),
    ],
)
def test_records_that_do_not_fit_are_refused(record: object, rule: str) -> None:
    held = book()
    with pytest.raises(RuleViolation) as refused:
        held.apply(record)  # type: ignore[arg-type]
    assert refused.value.rule == rule
    assert held.unit_parents == {"so-x": None, "phong-a": "so-x"}, "nothing taken"


def test_unknown_records_cannot_be_changed() -> None:
    with pytest.raises(RuleViolation) as refused:
        core.change_unit(book(), "khong-co", {"headcount": 3}, "m", NOW)
    assert refused.value.rule == "unknown_unit"


def test_names_are_cleaned_and_digits_are_allowed_in_places() -> None:
    held = book()
    village = core.record_village(held, "21025", "thon-3", {"name": "  Thôn 3 "}, "m", NOW)
    assert village.name == "Thôn 3"


def test_master_data_and_learning_events_do_not_pass_for_each_other() -> None:
    record = to_record(commune(), "/tests")
    inbound = InboundRecord(record.topic, 0, 7, record.key, record.value, tuple(record.headers))
    assert decode_master_data(inbound) == commune()
    with pytest.raises(PoisonRecord, match="master data"):
        decode(inbound)
    rekeyed = inbound._replace(key=b"commune:21028")
    with pytest.raises(PoisonRecord, match="key"):
        decode_master_data(rekeyed)


def test_a_units_headcount_adds_its_sub_units_and_names_those_nobody_entered() -> None:
    tree = core.book_of(
        [
            unit("so-y-te", headcount=52),
            unit("bv-tinh", "so-y-te", headcount=700),
            unit("khoa-noi", "bv-tinh", headcount=None),
            unit("ttyt-1", "so-y-te", headcount=31),
            unit("so-tai-chinh", headcount=40),
        ]
    )
    assert tree.headcount("so-y-te") == (783, ("khoa-noi",))
    assert tree.headcount("ttyt-1") == (31, ())
    assert tree.headcount("so-tai-chinh") == (40, ())
    assert tree.headcount("nowhere") == (0, ())
