"""The faust tables give back exactly the bytes a service stored, after a restart too."""

from __future__ import annotations

from hocvuso.adapters.mappers import (
    decode_certification_state,
    decode_grading_state,
    encode_certification_state,
    encode_grading_state,
)
from hocvuso.adapters.runtime import Runtime
from hocvuso.course_files import packaged_catalog
from hocvuso.domain.certification import decide
from hocvuso.settings import Settings
from hocvuso.signing import Signer, new_key
from services.certs.app import build_worker as certs_worker
from services.grading.app import build_worker as grading_worker
from tests.unit.test_certification import exam
from tests.unit.test_mappers import history_state


def offline(service: str) -> Runtime:
    """A runtime with nothing connected: enough to build a worker and look at its tables."""
    return Runtime(Settings(), service, client=None, publisher=None)  # type: ignore[arg-type]


def through_changelog(app, table_name: str, value: bytes) -> object:
    """What a table reads back from its changelog topic when a worker restarts."""
    table = app.tables[table_name]
    stored = app.serializers.dumps_value(table.value_type, value, serializer=table.value_serializer)
    return app.serializers.loads_value(table.value_type, stored, serializer=table.value_serializer)


def test_the_grading_state_survives_the_changelog() -> None:
    app = grading_worker(offline("grading"), packaged_catalog()).app
    encoded = encode_grading_state(history_state())
    restored = through_changelog(app, "grading-learners", encoded)
    assert restored == encoded
    assert decode_grading_state(restored) == history_state()


def test_a_waiting_exam_survives_the_certs_changelog() -> None:
    app = certs_worker(offline("certs"), None, Signer(new_key())).app
    waiting, _ = decide(None, exam())
    assert waiting is not None
    encoded = encode_certification_state(waiting)
    restored = through_changelog(app, "certs-learners", encoded)
    assert restored == encoded
    assert decode_certification_state(restored) == waiting
