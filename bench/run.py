"""Run the benchmarks: ``python -m bench.run [--only NAME ...] [--quick]``.

Every module ``bench/bench_*.py`` (in name order) exposes ``NAME: str`` and
``run(quick: bool = False) -> list[dict]`` returning figures made with
:func:`bench.common.figure`.  Each benchmark's figures are printed and
written to ``bench/results/<NAME>.json``.  A failing benchmark prints its
error and makes the exit code 1; the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from types import ModuleType

from bench.common import BENCH_DIR, print_figures, write_results


def _discover() -> list[tuple[str, ModuleType | None, BaseException | None]]:
    found: list[tuple[str, ModuleType | None, BaseException | None]] = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        stem = path.stem
        try:
            module = importlib.import_module(f"bench.{stem}")
        except Exception as err:  # a broken benchmark must not stop the others
            found.append((stem, None, err))
            continue
        found.append((stem, module, None))
    return found


def discover() -> list[ModuleType]:
    """The importable benchmark modules ``bench/bench_*.py``, sorted by file name."""
    return [m for _, m, err in _discover() if m is not None]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.run", description="Run Baotong's benchmarks and print their figures.")
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        default=None,
        help="run only this benchmark (its NAME, e.g. 'engine'); repeatable",
    )
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks; returns the process exit code (0 ok, 1 a benchmark failed, 2 usage)."""
    args = _parser().parse_args(argv)
    found = _discover()
    names: dict[str, tuple[str, ModuleType | None, BaseException | None]] = {}
    failed = False
    for stem, module, err in found:
        name = str(getattr(module, "NAME", stem.removeprefix("bench_")))
        names[name] = (stem, module, err)
    if args.list:
        for name in names:
            print(name)
        return 0
    wanted = list(names) if not args.only else args.only
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; expected some of {sorted(names)}", file=sys.stderr)
        return 2
    for name in wanted:
        stem, module, err = names[name]
        print(f"== benchmark {name} ({stem}.py){' --quick' if args.quick else ''}", flush=True)
        if err is not None:
            print(f"!! benchmark {name} could not be imported: {type(err).__name__}: {err}", file=sys.stderr)
            traceback.print_exception(err, file=sys.stderr)
            failed = True
            continue
        assert module is not None  # imported: err is None
        started = time.perf_counter()
        try:
            figures = list(module.run(quick=args.quick))
        except Exception as err:  # report it, run the others
            print(f"!! benchmark {name} failed: {type(err).__name__}: {err}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            failed = True
            continue
        print_figures(figures)
        path = write_results(name if not args.quick else f"{name}-quick", figures)
        print(f"== {name}: {len(figures)} figures in {time.perf_counter() - started:,.1f} s -> {path}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
