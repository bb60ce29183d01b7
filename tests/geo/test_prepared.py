"""Point-in-polygon tests on a shared geometry from several threads (geo.prepared)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import shapely

from geo import prepared

ROOT = Path(__file__).resolve().parents[2]

# Four threads test points against the same fresh polygons at the same moment through the wrappers, as
# request threads do with a zone set they share.  The first test of a polygon prepares it in place; without
# the lock two threads preparing one polygon at once free its prepared form twice and GEOS aborts the process
# ("double free or corruption") within a few hundred polygons.
HAMMER = textwrap.dedent(
    """
    import threading
    import numpy as np, shapely
    from geo import prepared
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-1.5, 1.5, 500), rng.uniform(-1.5, 1.5, 500)
    pts = shapely.points(x, y)
    expected = int(shapely.contains_xy(shapely.Point(0, 0).buffer(1.0, 32), x, y).sum())
    polys = [shapely.Point(0, 0).buffer(1.0 + i * 1e-9, 32) for i in range(2000)]
    barrier = threading.Barrier(4)
    errors = []
    def work(k):
        try:
            for i, poly in enumerate(polys):
                barrier.wait()
                op = (i + k) % 4
                if op == 0:
                    assert int(prepared.contains_xy(poly, x, y).sum()) == expected
                elif op == 1:
                    prepared.intersects_xy(poly, x, y)
                elif op == 2:
                    assert int(prepared.covers(poly, pts).sum()) >= expected
                else:
                    prepared.covers_point(poly, 0.1, 0.2) and prepared.intersects(poly, pts[:50])
        except Exception as err:
            errors.append(err)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print("errors", len(errors), errors[:2])
    """
)


def test_threads_sharing_one_polygon_do_not_crash_the_process():
    done = subprocess.run([sys.executable, "-c", HAMMER], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert "errors 0" in done.stdout


def test_the_wrappers_answer_as_shapely_does():
    poly = shapely.box(0, 0, 2, 1)
    x, y = np.array([0.5, 2.0, 3.0, 1.0]), np.array([0.5, 1.0, 0.5, 0.0])
    assert prepared.contains_xy(poly, x, y).tolist() == [True, False, False, False]
    assert prepared.intersects_xy(poly, x, y).tolist() == [True, True, False, True]
    assert prepared.covers_point(poly, 2.0, 1.0) is True  # a corner is covered, not contained
    assert prepared.covers_point(poly, 2.1, 1.0) is False
    assert prepared.covers(poly, shapely.points(x, y)).tolist() == [True, True, False, True]
    assert prepared.intersects(poly, shapely.box(1.9, 0.9, 5, 5)) is True
    assert prepared.intersects(poly, shapely.box(3, 3, 5, 5)) is False


def _project_files():
    for top in ("geo", "routing", "services", "passes", "store", "api", "maps", "cli"):  # what a server runs
        yield from (ROOT / top).rglob("*.py")


def test_no_module_prepares_a_shared_geometry_outside_geo_prepared():
    """``shapely.contains_xy`` / ``intersects_xy`` prepare their geometry in place: only geo.prepared calls them."""
    offenders = []
    for path in _project_files():
        if path == ROOT / "geo" / "prepared.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "shapely"
                and node.attr in {"contains_xy", "intersects_xy"}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} shapely.{node.attr}")
    assert offenders == []
