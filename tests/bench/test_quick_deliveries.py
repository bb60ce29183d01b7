"""The delivery benchmark runs end to end at ``--quick`` sizes (one VRPLIB instance for 1 s, a 40-stop plan).

Nothing is asserted on time or gap: a broken benchmark (an API it uses
changed, OR-Tools' model no longer built, a plan that breaks a rule -- the
benchmark raises) fails here, not at ``make bench``.
"""

from __future__ import annotations

import math


def test_quick_delivery_benchmark_runs():
    from bench import bench_deliveries

    figures = bench_deliveries.run(quick=True)
    names = [f["metric"] for f in figures]
    assert "gap to best known at 1 s" in names and "delivery plan: matrices + solve" in names
    for f in figures:
        assert f["benchmark"] == "deliveries" and f["graph"] and f["engine"] and f["unit"]
        assert f["value"] is not None and math.isfinite(f["value"]) and f["value"] >= 0, f
        if f["unit"] == "%":
            assert f["baseline"] is not None and f["baseline"] >= 0  # OR-Tools found a solution
        else:
            assert f["value"] > 0 and f["ratio"] is not None
