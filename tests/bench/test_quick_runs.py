"""The in-process benchmarks run end to end (``--quick`` sizes) and report well-formed figures.

Nothing is asserted on time: a benchmark that breaks (an API it uses changed)
or whose answers disagree with its networkx baseline (the freight benchmark
raises) fails here, not at ``make bench``.
"""

from __future__ import annotations

import math

import pytest


@pytest.mark.parametrize("name", ["passes", "freight", "cch_bindings", "tiles", "scale"])
def test_quick_benchmark_runs(name):
    import importlib

    module = importlib.import_module(f"bench.bench_{name}")
    figures = module.run(quick=True)
    assert figures
    for f in figures:
        assert f["benchmark"] == name
        assert f["graph"] and f["engine"] and f["metric"] and f["unit"]
        assert f["value"] is not None and math.isfinite(f["value"]) and f["value"] > 0, f
        if f["baseline"] is not None:
            assert math.isfinite(f["baseline"]) and f["ratio"] == pytest.approx(f["baseline"] / f["value"])
