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
