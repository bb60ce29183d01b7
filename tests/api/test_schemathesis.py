"""Property-based API testing with schemathesis against the app's own OpenAPI schema.

Every operation is exercised with a bounded number of generated requests,
without a token and with a token of each role: no answer may be a 5xx, and
every answer must conform to the documented status codes, content types and
response schemas.  (``positive_data_acceptance`` is left out: data valid by
the schema can still be refused on purpose, e.g. a point far from any road.)

Besides what the schema describes, the generated data holds the shapes that once
gave 5xx: date-times at the ends of Python's range with extreme offsets
(``9999-12-31T23:59:59-23:59``) in every ``date-time`` field, and bodies of
``POST /zones`` and ``POST /sites`` with a property or coordinates nested hundreds
of levels deep.  No answer may show a server path (the data folder, the network
file's folder, the project's folder).
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from services.settings import PROJECT_ROOT
from services.users import ROLES
from tests._app import make_settings, tokens_for
from tests._data import NETWORK_CACHE, shared_file

#: Examples per operation; each is sent with one identity, cycling through no token and every role,
#: so each operation sees every role at least once.
MAX_EXAMPLES = 8
IDENTITIES = (None, *ROLES)
EXCLUDED = [schemathesis.checks.positive_data_acceptance]

#: Date-times that parse but fall outside what Python (or the service) can compute with.
EXTREME_DATETIMES = (
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59.999999+00:00",
    "0001-01-01T00:00:00-00:01",
    "1899-12-31T23:59:59Z",
    "3000-01-01T00:00:00+14:00",
)
#: Any offset a date-time may carry (ISO 8601 allows up to ±23:59).
OFFSETS = st.builds(
    timezone, st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
)
DATETIMES = st.one_of(
    st.sampled_from(EXTREME_DATETIMES),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS).map(
        datetime.isoformat
    ),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)).map(
        datetime.isoformat
    ),
)
schemathesis.openapi.format("date-time", DATETIMES)

#: Nesting depths of the deep bodies (the service refuses more than 32 levels).
DEPTHS = (33, 200, 900)


def nested(depth: int) -> dict:
    out: dict = {}
    cur = out
    for _ in range(depth):
        cur["a"] = {}
        cur = cur["a"]
    return out


def deep_variants(body) -> list:
    """``body`` and, for a GeoJSON Feature body, copies with a deep property or deep coordinates."""
    out = [body]
    if not isinstance(body, dict):
        return out
    for depth in DEPTHS:
        props = body.get("properties")
        with_prop = copy.copy(body)
        with_prop["properties"] = {**(props if isinstance(props, dict) else {}), "deep": nested(depth)}
        with_coords = copy.copy(body)
        with_coords["geometry"] = {"type": "Polygon", "coordinates": nested(depth)}
        out += [with_prop, with_coords]
    return out


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


#: Folders of the server that no answer may name.
SERVER_PATHS = tuple(
    str(p) for p in (FUZZ_APP.state.fuzz_folder, NETWORK_CACHE, shared_file("andorra.osm.pbf").parent, PROJECT_ROOT)
)


@schemathesis.check
def no_server_paths(ctx, response, case):
    """No answer shows an absolute path of the server."""
    shown = [p for p in SERVER_PATHS if p in response.text]
    if shown:
        raise AssertionError(f"{case.method} {case.path} -> {response.status_code} shows server paths {shown}")
    return None


@schema.hook
def flatmap_body(context, body):
    """Zones and sites also get bodies nested hundreds of levels deep."""
    operation = context.operation
    if operation is not None and operation.method.upper() == "POST" and operation.path in ("/zones", "/sites"):
        return st.sampled_from(deep_variants(body))
    return st.just(body)


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
