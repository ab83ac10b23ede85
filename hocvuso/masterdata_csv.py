"""`hocvuso masterdata export|import FILE.csv`: the master data as one spreadsheet, through
the enrollment API like any other client (the lists are public; a change needs a token, and
the API decides what that token may change).

One row per record, `record` saying which: `commune` (code = official code), `village`
(with `commune_code`) or `unit`. An empty cell is "not known", never zero. Import sends only
the rows that differ from what the API holds, so a commune manager can export the whole
province, edit their own commune and import the file back.
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

COLUMNS = (
    "record",
    "code",
    "commune_code",
    "name",
    "kind",
    "group",
    "parent",
    "population",
    "adult_population",
    "students",
    "plan_number",
    "launch_date",
    "headcount",
    "target_percent",
    "target_deadline",
    "synthetic",
)
NUMBERS = frozenset({"population", "adult_population", "students", "headcount", "target_percent"})
# What each kind of record sends, whole (the province) or as its keeper's figures.
WHOLE = {
    "commune": (
        "name",
        "kind",
        "population",
        "adult_population",
        "students",
        "plan_number",
        "launch_date",
    ),
    "village": ("name", "population", "adult_population", "target_percent", "target_deadline"),
    "unit": ("name", "group", "parent", "headcount", "commune_code"),
}
FIGURES = {
    "commune": ("population", "adult_population", "students", "plan_number", "launch_date"),
    "village": WHOLE["village"],
    "unit": ("headcount",),
}


class BadRow(ValueError):
    pass


def export_file(url: str, path: Path) -> int:
    """Write every record the API at `url` lists to `path`; how many."""
    with httpx.Client(base_url=url, timeout=30) as api, path.open("w", newline="") as out:
        return write_csv(export_rows(api), out)


def import_file(url: str, path: Path, token: str) -> list[Outcome]:
    """Send the rows of `path` that differ from what the API holds, with `token`."""
    # The API decides what the token may change; its role only picks whole records (PUT).
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    whole = claims.get("hocvuso_role") == "province_admin"
    headers = {"authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=url, timeout=30, headers=headers) as api,
        path.open(newline="") as rows,
    ):
        return import_rows(api, csv.DictReader(rows), whole)


def export_rows(api: httpx.Client) -> Iterator[dict[str, Any]]:
    communes = _ok(api.get("/v1/communes"))
    for commune in communes:
        yield {"record": "commune", **commune}
    for commune in communes:
        for village in _ok(api.get(f"/v1/communes/{commune['code']}/villages")):
            yield {"record": "village", **village}
    for unit in _ok(api.get("/v1/units")):
        yield {"record": "unit", **unit}


def write_csv(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
        count += 1
    return count


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Outcome:
    line: int
    what: str  # "commune 21025", "village 21025/thon-1", "unit so-y-te"
    result: str  # unchanged, changed or refused
    detail: str = ""


def parse(line: int, row: Mapping[str, str | None]) -> tuple[str, str, str, dict[str, Any]]:
    """(record, path, label, values) of a row; BadRow when it cannot be read."""
    record = (row.get("record") or "").strip()
    code = (row.get("code") or "").strip()
    if record not in WHOLE:
        raise BadRow(f"line {line}: record is commune, village or unit, not {record!r}")
    if not code:
        raise BadRow(f"line {line}: no code")
    values: dict[str, Any] = {}
    for name in WHOLE[record]:
        raw = (row.get(name) or "").strip()
        if name in NUMBERS and raw:
            try:
                values[name] = int(raw)
            except ValueError:
                raise BadRow(f"line {line}: {name} is a whole number, not {raw!r}") from None
        else:
            values[name] = raw or None
    if record == "village":
        commune = (row.get("commune_code") or "").strip()
        if not commune:
            raise BadRow(f"line {line}: a village row needs its commune_code")
        return record, f"/v1/communes/{commune}/villages/{code}", f"{commune}/{code}", values
    path = f"/v1/{record}s/{code}"
    return record, path, code, values


def import_rows(
    api: httpx.Client, rows: Iterator[dict[str, str | None]], whole: bool
) -> list[Outcome]:
    """Send each row that differs from what the API holds; `whole`: as the province (PUT
    every field), else as a keeper (a commune's or unit's figures, a commune's villages)."""
    outcomes = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            record, path, label, values = parse(line, row)
        except BadRow as bad:
            outcomes.append(Outcome(line, "?", "refused", str(bad)))
            continue
        what = f"{record} {label}"
        held = _village(api, path) if record == "village" else _held(api, path)
        fields = WHOLE[record] if whole or held is None else FIGURES[record]
        sent = {k: values[k] for k in fields}
        if held is not None and all(held.get(k) == v for k, v in sent.items()):
            outcomes.append(Outcome(line, what, "unchanged"))
            continue
        method = "PUT" if whole or record == "village" or held is None else "PATCH"
        answer = api.request(method, path, json=sent)
        if answer.status_code == 200:
            outcomes.append(Outcome(line, what, "changed"))
        else:
            outcomes.append(Outcome(line, what, "refused", _reason(answer)))
    return outcomes


def _held(api: httpx.Client, path: str) -> dict[str, Any] | None:
    answer = api.get(path)
    if answer.status_code != 200:
        return None
    found: dict[str, Any] = answer.json()
    return found


def _village(api: httpx.Client, path: str) -> dict[str, Any] | None:
    listing, _, code = path.rpartition("/")
    answer = api.get(listing)
    if answer.status_code != 200:
        return None
    found: dict[str, Any] | None = next((v for v in answer.json() if v["code"] == code), None)
    return found


def _reason(answer: httpx.Response) -> str:
    try:
        body = answer.json()
        return f"{answer.status_code} {body.get('error')}: {body.get('detail')}"
    except ValueError:
        return f"{answer.status_code}: {answer.text[:200]}"


def _ok(answer: httpx.Response) -> list[dict[str, Any]]:
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()
    return rows
