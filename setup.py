"""The one compiled module, ``routing._cch`` (RoutingKit's CCH, see routing/native/cch.cpp); the rest of
the project's metadata is in pyproject.toml."""

from glob import glob

from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

cch = Pybind11Extension(
    "routing._cch",
    sources=["routing/native/cch.cpp", *sorted(glob("routing/native/routingkit/src/*.cpp"))],
    include_dirs=["routing/native/routingkit/include", "routing/native/routingkit/src"],
    cxx_std=17,
    define_macros=[("NDEBUG", None)],
    extra_compile_args=[
        "-O3",
        "-Wno-unused-parameter",
        "-Wno-unused-variable",
        "-Wno-unused-function",
        "-Wno-sign-compare",
    ],
)

setup(ext_modules=[cch])
