"""Fixtures that start real servers: Tansu (Kafka protocol) and nx-27017 (MongoDB protocol).

`servers` starts the broker and the database once per test session, with topics and
master data; `stack` adds the four services, as separate processes on free ports, exactly
as `make run` starts them. Logs are kept under the pytest temporary directory and their
tail is printed when a test fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hocvuso.devstack import SERVICES, Stack

SERVER_FOLDERS = ("e2e", "integration")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`servers` marks every test that needs the real servers, so -m 'not servers' is fast."""
    for item in items:
        folder = Path(str(item.path)).parent.name
        if folder in SERVER_FOLDERS or {"stack", "servers"} & set(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = Stack(tmp_path_factory.mktemp("stack"))
    try:
        started.start_servers()
        started.prepare()
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def stack(servers: Stack) -> Stack:
    if not servers.ports:
        servers.start_services()
    return servers


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed and "stack" in getattr(item, "fixturenames", ()):
        stack = item.funcargs.get("stack")  # type: ignore[attr-defined]
        if isinstance(stack, Stack):
            for name in SERVICES:
                log = Path(stack.state_dir) / f"{name}.log"
                if log.exists():
                    tail = log.read_text(errors="replace").splitlines()[-25:]
                    report.sections.append((f"{name}.log (tail)", "\n".join(tail)))
    return report
