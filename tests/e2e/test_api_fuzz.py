"""Property-based fuzzing of each service's published OpenAPI against the running stack,
without a token and with one of each role: no input makes a server error, and every status
code returned is one the schema documents (401 and 403 included)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hocvuso.devstack import Stack
from hocvuso.domain.access import ROLES, Role

# A schema-valid body may still name a commune or unit that does not exist, which is
# refused with 422 by design; every other check (no 5xx, documented status codes,
# content types and response bodies) applies.
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("role", [None, *ROLES])
@pytest.mark.parametrize("service", ["enrollment", "certs", "stats", "grading"])
def test_every_operation_conforms_to_the_published_schema(
    stack: Stack, service: str, role: Role | None
) -> None:
    scope = {"unit_manager": "so-noi-vu", "commune_manager": "21025"}.get(role or "")
    token = stack.identity.token(role, f"fuzz-{role}", scope) if role else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    schema = schemathesis.openapi.from_url(f"{stack.url(service)}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{service} publishes no operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def conforms(case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        conforms()
