"""Property-based API testing with schemathesis against the app's own OpenAPI schema.

Every operation is exercised with a bounded number of generated requests,
without a token and with a token of each role: no answer may be a 5xx, and
every answer must conform to the documented status codes, content types and
response schemas.  (``positive_data_acceptance`` is left out: data valid by
the schema can still be refused on purpose, e.g. a point far from any road.)
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from services.users import ROLES
from tests._app import make_settings, tokens_for

#: Examples per operation; each is sent with one identity, cycling through no token and every role,
#: so each operation sees every role at least once.
MAX_EXAMPLES = 8
IDENTITIES = (None, *ROLES)
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


def _build_app():
    """The app under test, built at import: schemathesis parametrizes from its schema at collection."""
    from api.main import create_app

    folder = Path(tempfile.mkdtemp(prefix="baotong-fuzz-"))
    app = create_app(make_settings(folder))
    app.state.fuzz_tokens = tokens_for(app)
    app.state.fuzz_folder = folder
    app.state.fuzz_sent = {}
    return app


FUZZ_APP = _build_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)


@pytest.fixture(scope="module")
def fuzz_app():
    yield FUZZ_APP
    FUZZ_APP.state.baotong.db_engine.dispose()
    shutil.rmtree(FUZZ_APP.state.fuzz_folder, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzz_app):
    tokens = fuzz_app.state.fuzz_tokens
    sent = fuzz_app.state.fuzz_sent
    key = (case.method, case.path)
    role = IDENTITIES[sent.get(key, 0) % len(IDENTITIES)]
    sent[key] = sent.get(key, 0) + 1
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
