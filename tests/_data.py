"""Where the real extracts are, and where networks built from them are cached between runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BAOTONG_SHARED_DATA", ROOT.parent / "shared" / "data"))
#: Built networks are cached here between test runs (keyed by a hash of the source file).
NETWORK_CACHE = ROOT / ".cache" / "test-networks"


def shared_file(name: str) -> Path:
    """A file of ../shared/data; fails the test (not skips) when it is missing."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.fail(f"missing real extract {path}; the tests need ../shared/data beside the project")
    return path
