"""`pytest -m "not servers"` leaves out exactly the tests that need real servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TESTS, needs_servers, pytest_collection_modifyitems


@pytest.mark.parametrize(
    ("path", "fixtures", "expected"),
    [
        ("e2e/test_learner_journey.py", (), True),
        ("integration/kafka/test_publisher.py", ("tmp_path",), True),
        ("unit/test_grading.py", ("stack",), True),
        ("unit/test_grading.py", ("tmp_path",), False),
        ("contract/test_event_schemas.py", (), False),
        ("unit/e2e_helpers.py", (), False),  # only the folder counts, not a name like it
    ],
)
def test_server_tests_are_told_by_folder_or_by_the_stack_fixture(
    path: str, fixtures: tuple[str, ...], expected: bool
) -> None:
    assert needs_servers(TESTS / path, fixtures) is expected


class FakeItem:
    def __init__(self, path: Path, fixturenames: tuple[str, ...] = ()) -> None:
        self.path, self.fixturenames = path, fixturenames
        self.markers: list[str] = []

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker.name)


def test_collection_marks_server_tests_and_leaves_the_rest(pytestconfig: pytest.Config) -> None:
    e2e, fixture, unit = (
        FakeItem(TESTS / "e2e" / "test_x.py"),
        FakeItem(TESTS / "unit" / "test_x.py", ("stack",)),
        FakeItem(TESTS / "unit" / "test_x.py", ("tmp_path",)),
    )
    pytest_collection_modifyitems(pytestconfig, [e2e, fixture, unit])  # type: ignore[list-item]
    assert (e2e.markers, fixture.markers, unit.markers) == (["servers"], ["servers"], [])
