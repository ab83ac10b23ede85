"""The core stays free of frameworks, so live processing and audit replay share it."""

from __future__ import annotations

import ast
from pathlib import Path

import hocvuso.domain

FORBIDDEN = {"faust", "aiokafka", "fastapi", "pymongo", "prometheus_client", "mode", "uvicorn"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_domain_package_imports_no_framework_or_driver() -> None:
    folder = Path(hocvuso.domain.__file__).parent
    modules = sorted(folder.rglob("*.py"))
    assert len(modules) >= 5
    for module in modules:
        bad = imported_roots(module) & FORBIDDEN
        assert not bad, f"{module.name} imports {sorted(bad)}"
