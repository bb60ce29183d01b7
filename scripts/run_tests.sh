#!/usr/bin/env bash
# Run the whole test suite against SQLite and a throw-away PostgreSQL on loopback.
# pytest exits non-zero (5) when it collects no test, so CI fails then too.
set -euo pipefail
cd "$(dirname "$0")/.."
# Lint, format and type-check first: such an error fails the run before the (long) suite starts.
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/mypy  # the folders and options are in pyproject.toml ([tool.mypy])
# A throw-away server: no fsync (a test kills the service, never the machine); the load benchmark keeps it on.
if url=$(BAOTONG_PG_FSYNC=off bash scripts/test_postgres.sh start); then
    export BAOTONG_TEST_POSTGRES_URL="$url"
    export BAOTONG_REQUIRE_POSTGRES=1
    trap 'bash scripts/test_postgres.sh stop' EXIT
else
    echo "run_tests: PostgreSQL could not start; the PostgreSQL variants will be skipped" >&2
fi
.venv/bin/pytest -q -p no:cacheprovider "$@"
