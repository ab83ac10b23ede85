"""Names as certificates will print them: what is refused, and what is kept as written."""

from __future__ import annotations

import unicodedata

import pytest

from hocvuso.domain.names import clean_name
from hocvuso.domain.progress import RuleViolation


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "A",
        " \t ",
        "Nguyễn\u202eVăn",  # right-to-left override
        "Nguyễn\u200bVăn",  # zero-width space
        "Nguyễn\x00Văn",
        "Nguyễn\tVăn",
        "Trần Văn 3",
        "<script>",
        "Lê@Văn",
        "x" * 201,
    ],
)
def test_refused(raw: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        clean_name(raw)
    assert refused.value.rule == "invalid_name"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("  Nguyễn Thị Hoa ", "Nguyễn Thị Hoa"),
        ("Hồ Đắc Di", "Hồ Đắc Di"),
        ("Y Ngọc (Hà'Lăng) Jr.", "Y Ngọc (Hà'Lăng) Jr."),
        ("Ê-đê", "Ê-đê"),
        ("x" * 200, "x" * 200),
    ],
)
def test_kept(raw: str, kept: str) -> None:
    assert clean_name(raw) == kept


def test_a_decomposed_name_is_stored_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hoa")
    assert decomposed != "Nguyễn Thị Hoa"
    assert clean_name(decomposed) == "Nguyễn Thị Hoa"


def test_the_refusal_names_the_character() -> None:
    with pytest.raises(RuleViolation, match="U\\+202E"):
        clean_name("An\u202eBình")
