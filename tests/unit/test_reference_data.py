"""The packaged master data and the form it takes in the reference database."""

from __future__ import annotations

from hocvuso.adapters.mappers import commune_doc, unit_doc
from hocvuso.domain.reference import Commune, Unit, commune_committee_code
from hocvuso.reference_data import communes, units


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


def test_stored_master_data_is_keyed_by_its_official_code() -> None:
    commune = Commune(
        official_code="21025", name="Phường Cẩm Thành", kind="phuong", population=None
    )
    assert commune_doc(commune) == {
        "_id": "21025",
        "name": "Phường Cẩm Thành",
        "kind": "phuong",
        "population": None,
    }
    unit = Unit(code="ubnd-21025", name="UBND Phường Cẩm Thành", group="ubnd_xa", commune="21025")
    assert unit_doc(unit) == {
        "_id": "ubnd-21025",
        "name": "UBND Phường Cẩm Thành",
        "group": "ubnd_xa",
        "parent": None,
        "commune": "21025",
    }
