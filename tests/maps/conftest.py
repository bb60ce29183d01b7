"""Fixtures for the map tests; the browser fixtures live in tests/browser.py for reuse by API tests."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # so `tests.browser` imports without a `pythonpath` setting in pyproject
    sys.path.insert(0, _ROOT)

from tests.browser import browser, browser_page  # noqa: E402,F401  (fixtures)
