"""Fixtures that start real servers: Tansu (Kafka protocol) and nx-27017 (MongoDB protocol).

`servers` starts the broker and the database once per test session, with topics and
master data; `stack` adds the four services, as separate processes on free ports, exactly
as `make run` starts them. Logs are kept under the pytest temporary directory and their
tail is printed when a test fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from hocvuso.devstack import SERVICES, SIMULATION_ENV, Stack

TESTS = Path(__file__).resolve().parent
# Tests here talk to real servers whatever fixtures they use; elsewhere, `stack` decides.
SERVER_FOLDERS = (TESTS / "e2e", TESTS / "integration")


def needs_servers(path: Path, fixturenames: Iterable[str]) -> bool:
    path = path.resolve()
    in_server_folder = any(folder in path.parents for folder in SERVER_FOLDERS)
    return in_server_folder or bool({"stack", "servers"} & set(fixturenames))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark server tests by where they are and what they use, so `-m "not servers"` is a
    fast loop that needs no broker and no database, and no test can forget the marker."""
    for item in items:
        if needs_servers(item.path, getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = Stack(tmp_path_factory.mktemp("stack"), extra_env=SIMULATION_ENV)
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
    """On failure, show the tail of every service log of the stack the test used."""
    report = yield
    stacks = [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, Stack)]
    if report.failed and stacks:
        for name in [*SERVICES, "stats-2", "stats-3"]:
            log = Path(stacks[0].state_dir) / f"{name}.log"
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-25:]
                report.sections.append((f"{name}.log (tail)", "\n".join(tail)))
    return report
