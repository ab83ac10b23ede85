"""The packaged master data and the records it is published as."""

from __future__ import annotations

from datetime import UTC, datetime

from hocvuso.domain.master_data import book_of
from hocvuso.domain.reference import commune_committee_code
from hocvuso.reference_data import communes, packaged_master_data, units

NOW = datetime(2025, 10, 1, tzinfo=UTC)


def test_the_province_has_96_communes_with_unique_official_codes() -> None:
    codes = [c.official_code for c in communes()]
    assert len(codes) == 96 == len(set(codes))
    assert "21025" in codes  # Phường Cẩm Thành, used throughout the README


def test_an_unpublished_population_is_no_data_not_zero() -> None:
    populations = [c.population for c in communes()]
    assert None in populations
    assert 0 not in populations


def test_every_commune_has_its_peoples_committee_as_a_unit() -> None:
    committees = {u.commune: u for u in units() if u.group == "ubnd_xa"}
    for commune in communes():
        unit = committees[commune.official_code]
        assert unit.code == commune_committee_code(commune.official_code)
        assert unit.name == f"UBND {commune.name}"


def test_unit_codes_are_unique_so_a_registration_names_one_unit() -> None:
    codes = [u.code for u in units()]
    assert len(codes) == len(set(codes))


def test_the_packaged_data_is_a_valid_book_of_master_data_records() -> None:
    records = packaged_master_data(NOW, demo_villages=True)
    book = book_of(records)  # each record checked against those before it
    assert len(book.communes) == 96 and len(book.units) == len(units())
    assert all(len(book.villages[c]) == 3 for c in book.communes)
    village = book.villages["21025"]["thon-1"]
    assert village.synthetic and "minh họa" in village.name, "a demo village says so"
    committee = book.units[commune_committee_code("21025")]
    assert committee.commune_code == "21025" and committee.headcount is None
    assert all(r.changed_by == "seed" for r in records)
    assert not book_of(packaged_master_data(NOW)).villages, "no made-up villages unless asked"
