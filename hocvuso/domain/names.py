"""A person's name as it may appear on a certificate: letters and the marks that go with
them, spaces and a little punctuation — nothing that hides, reorders or controls text."""

from __future__ import annotations

import unicodedata

from hocvuso.domain.progress import RuleViolation

PUNCTUATION = frozenset(" .,'-()")
SHORTEST, LONGEST = 2, 200


def clean_name(raw: str) -> str:
    """The name in NFC without surrounding whitespace; `RuleViolation("invalid_name")`
    naming the first character that is not allowed, or the length that is not."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not SHORTEST <= len(name) <= LONGEST:
        raise RuleViolation(
            f"a name has {SHORTEST} to {LONGEST} characters, not {len(name)}", "invalid_name"
        )
    for char in name:
        if char not in PUNCTUATION and unicodedata.category(char)[0] not in "LM":
            raise RuleViolation(
                f"a name may hold letters, spaces and .,'-() only, not U+{ord(char):04X}"
                f" ({unicodedata.name(char, 'unnamed')})",
                "invalid_name",
            )
    return name


CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def clean_label(raw: str, what: str) -> str:
    """A place's or an agency's name ("Thôn 3", "Sở Y tế"): NFC, trimmed, 1 to 200
    characters, digits allowed, nothing that hides, reorders or controls text."""
    label = unicodedata.normalize("NFC", raw).strip()
    if not 1 <= len(label) <= LONGEST:
        raise RuleViolation(f"a {what} name has 1 to {LONGEST} characters", "invalid_name")
    for char in label:
        if char != " " and unicodedata.category(char)[0] in "CZ":
            raise RuleViolation(
                f"a {what} name may not hold U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')})",
                "invalid_name",
            )
    return label


def check_code(code: str, what: str) -> None:
    """Codes travel in URLs, CSV files and record keys: ASCII letters, digits and -_. only."""
    if not 1 <= len(code) <= 64 or not set(code) <= CODE_CHARS:
        raise RuleViolation(
            f"a {what} code has 1 to 64 of the characters A-Z a-z 0-9 - _ . ({code!r})",
            "invalid_code",
        )
