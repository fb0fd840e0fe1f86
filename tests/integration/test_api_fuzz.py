"""Property-based fuzzing of the whole API from its own OpenAPI description (schemathesis): no generated
input — wrong types, huge strings, odd Unicode, missing or extra fields — may make it fail with a 5xx. A
valid api_key is put into every form so the fuzzing reaches past the key check. Bounded (a few examples per
operation and backend) to keep CI short; derandomized so a failure reproduces."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from tests.integration.api_fixtures import SETTINGS

EXAMPLES = 12


def _operations(district, store):
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(district.db, store, SETTINGS, 10_000))
    return [result.ok() for result in schema.get_all_operations()]


def test_no_generated_input_makes_any_operation_fail(district, store):
    operations = _operations(district, store)
    assert len(operations) >= 11  # every route of the app, from its own description
    for operation in operations:
        _fuzz(operation, district.key)


def _fuzz(operation, key: str) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
              database=None)
    def fuzz(case):
        if isinstance(case.body, dict):
            case.body["api_key"] = key
        case.call_and_validate(checks=[not_a_server_error])

    fuzz()
