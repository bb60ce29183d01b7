#!/usr/bin/env bash
# Run the whole test suite. pytest exits non-zero (5) when it collects no test, so CI fails then too.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
