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


def way_with_a_way_round(net, usable, ref: str = "CG-2", grade: str = "provincial") -> int:
    """The way of ``ref`` / ``grade`` with the most arcs whose hard closure strands nothing beyond it, so
    the rules allow it (the longest CG-2 ways are the only road up their valley: closing one strands
    thousands of nodes).  ``usable``: the arcs trucks may use."""
    import numpy as np

    from routing import closures as rules

    mask = (net.ref.astype(str) == ref) & (net.grade.astype(str) == grade)
    ways, counts = np.unique(net.osm_way_id[mask], return_counts=True)
    for way in ways[np.argsort(-counts, kind="stable")].tolist():
        if rules.strands(net.node_count, net.tail, net.head, usable, net.arcs_of_way(int(way))).beyond == 0:
            return int(way)
    raise AssertionError(f"every {ref} way strands nodes")
