"""``baotong bench [--only NAME] [--quick]``: the benchmarks of ``bench/`` (the same as ``make bench``)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("bench", help="run the benchmarks (see bench/)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_benchmarks(args.rest)


def run_benchmarks(argv: list[str]) -> int:
    """Hand every option to ``bench.run`` (the runner parses them itself)."""
    from bench.run import main

    return main(argv)
