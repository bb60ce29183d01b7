"""The ``baotong`` command line: every command module is registered here by name.

``serve`` (:mod:`cli.serve`), ``network build`` (:mod:`cli.network`), ``route`` (:mod:`cli.route`),
``users add`` (:mod:`cli.users`), ``plan stations`` and ``plan deliveries`` (:mod:`cli.plan`), ``pass verify`` and
``keys rotate`` (:mod:`cli.passes`), ``bench`` (:mod:`cli.bench`).  Each builds its
:class:`~services.settings.Settings` from its arguments over the environment and calls the same
use case (:mod:`services`) as the HTTP API.
"""

from __future__ import annotations

import argparse
import logging
import sys

from cli import bench, network, passes, plan, route, serve, users
from cli.common import join_number_lists
from cli.memory import return_freed_memory
from geo.errors import BaotongError

COMMANDS = (serve, network, route, users, plan, passes, bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baotong", description="Baotong 保通 — keep freight moving through emergency zones"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return_freed_memory()  # before any network is loaded (see cli.memory); forked workers inherit it
    if argv[:1] == ["bench"]:  # its options belong to bench.run (argparse's REMAINDER would swallow none)
        return bench.run_benchmarks(argv[1:])
    args = build_parser().parse_args(join_number_lists(argv))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except BaotongError as err:
        print(f"baotong: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
