"""The core imports only the standard library and itself, and touches no file and no clock.

So live processing and an auditor's replay run the same functions over the same events,
and a test of the rules needs nothing but the rules.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import hocvuso.domain

CORE = "hocvuso.domain"
FOLDER = Path(hocvuso.domain.__file__).parent
# Standard-library modules whose whole purpose is I/O: allowed by name, refused by purpose.
IO_MODULES = {
    *("asyncio", "ftplib", "glob", "http", "io", "os", "pathlib", "select", "shutil"),
    *("smtplib", "socket", "sqlite3", "ssl", "subprocess", "tempfile", "urllib"),
}
CLOCKS = {
    "datetime.now",
    "datetime.utcnow",
    "datetime.today",
    "date.today",
    "time.time",
    "time.time_ns",
    "time.monotonic",
    "time.perf_counter",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(FOLDER).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((CORE, *parts))


def absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name a `from … import` reads, relative forms included."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute name) of every import, and of every name taken from a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # The names first, so a complaint says `hocvuso.settings`, not just `hocvuso`.
            source = absolute(node, module, is_package)
            yield from ((node.lineno, f"{source}.{alias.name}") for alias in node.names)
            yield node.lineno, source


def import_problem(name: str) -> str | None:
    root = name.split(".")[0]
    if name == CORE or name.startswith(f"{CORE}."):
        return None
    if root not in sys.stdlib_module_names:
        return f"imports {name}: neither the standard library nor {CORE}"
    if root in IO_MODULES:
        return f"imports {name}: a module for I/O"
    if name.startswith("importlib.resources"):
        return f"imports {name}: reading packaged files is I/O"
    if name in {f"time.{c.split('.')[1]}" for c in CLOCKS if c.startswith("time.")}:
        return f"imports {name}: a clock"
    return None


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def call_problem(node: ast.Call) -> str | None:
    name = dotted(node.func)
    if name == "open" or name.endswith(".open"):
        return f"calls {name}(): opening files is I/O"
    if any(name == clock or name.endswith(f".{clock}") for clock in CLOCKS):
        return f"calls {name}(): time must come in as a parameter"
    return None


def problems(source: str, module: str = f"{CORE}.example", is_package: bool = False) -> list:
    tree = ast.parse(source)
    by_line: dict[int, str] = {}  # one complaint per import line, not one per name
    for line, name in imported(tree, module, is_package):
        if (problem := import_problem(name)) and line not in by_line:
            by_line[line] = problem
    found = list(by_line.items())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (problem := call_problem(node)):
            found.append((node.lineno, problem))
        elif isinstance(node, ast.Attribute) and dotted(node) == "importlib.resources":
            found.append((node.lineno, "uses importlib.resources: reading packaged files is I/O"))
    return sorted(found)


def test_the_core_imports_only_the_standard_library_and_itself_and_does_no_io() -> None:
    modules = sorted(FOLDER.rglob("*.py"))
    assert len(modules) >= 8
    found = [
        f"{path.relative_to(FOLDER.parent.parent)}:{line} {problem}"
        for path in modules
        for line, problem in problems(
            path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"
        )
    ]
    assert not found, "the core must stay pure:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import hashlib\nfrom collections.abc import Mapping",
        "from hocvuso.domain.course import Course",
        "from . import events",
        "from .progress import RuleViolation",
        "from datetime import datetime\ndef f(now: datetime) -> datetime:\n    return now",
    ],
)
def test_the_guard_lets_pure_code_through(source: str) -> None:
    assert problems(source) == []


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("import faust", "imports faust"),
        ("from pymongo import UpdateOne", "imports pymongo"),
        ("from hocvuso.adapters import mongo", "imports hocvuso.adapters"),
        ("from .. import settings", "imports hocvuso.settings"),
        ("import pathlib", "a module for I/O"),
        ("from importlib import resources", "imports importlib.resources"),
        ("import importlib\nimportlib.resources.files('x')", "uses importlib.resources"),
        ("from time import time", "a clock"),
        ("data = open('rules.json').read()", "calls open()"),
        ("text = folder.joinpath('a').open()", "opening files is I/O"),
        ("from datetime import datetime\nnow = datetime.now()", "calls datetime.now()"),
        ("import datetime\nnow = datetime.datetime.now()", "time must come in"),
        ("from datetime import date\nday = date.today()", "calls date.today()"),
        ("import time\nstamp = time.time()", "calls time.time()"),
    ],
)
def test_the_guard_names_what_makes_code_impure(source: str, complaint: str) -> None:
    found = problems(source)
    assert found, source
    assert any(complaint in problem for _, problem in found), found


def test_relative_imports_resolve_from_the_importing_module() -> None:
    tree = ast.parse("from . import events\nfrom ..adapters import mongo")
    names = [name for _, name in imported(tree, f"{CORE}.grading", is_package=False)]
    assert f"{CORE}.events" in names
    assert "hocvuso.adapters.mongo" in names
    names = [name for _, name in imported(tree, CORE, is_package=True)]
    assert f"{CORE}.events" in names and "hocvuso.adapters" in names
