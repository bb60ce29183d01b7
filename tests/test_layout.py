"""The project's top-level import names: listed one by one in pyproject, provided by no other distribution."""

from __future__ import annotations

import importlib.metadata
import tomllib

from tests._data import ROOT

#: The top-level packages, in layers (see README, "Architecture").
TOP_LEVEL = ("geo", "routing", "passes", "maps", "store", "services", "api", "cli", "bench")


def test_pyproject_lists_every_top_level_package():
    found = sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")
    include = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"]["find"][
        "include"
    ]
    assert found == sorted(TOP_LEVEL)
    assert sorted(name for name in include if "*" not in name) == sorted(TOP_LEVEL)


def test_no_other_distribution_provides_our_top_level_names():
    """``pip install`` of a distribution that ships ``api/`` or ``geo/`` would overwrite or shadow ours."""
    providers = importlib.metadata.packages_distributions()
    clashes = {name: sorted(set(providers.get(name, [])) - {"baotong"}) for name in TOP_LEVEL}
    assert {name: dists for name, dists in clashes.items() if dists} == {}
    assert all("baotong" in providers.get(name, []) for name in TOP_LEVEL)  # installed (make setup)
