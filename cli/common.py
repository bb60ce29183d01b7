"""What the command modules share: argument types, and :class:`~services.settings.Settings` from arguments."""

from __future__ import annotations

import argparse
import re
from datetime import datetime
from typing import Any

from services.settings import Settings

#: Options whose value is a list of numbers that may start with a minus sign (``--checkpoint -76.55,39.28``).
NUMBER_LIST_OPTIONS = frozenset({"--from", "--to", "--checkpoint", "--bbox"})
_NUMBER_LIST = re.compile(r"-\d*\.?\d+(,\s*-?\d*\.?\d+)+")


def join_number_lists(argv: list[str]) -> list[str]:
    """``--checkpoint -76.55,39.28`` -> ``--checkpoint=-76.55,39.28``: argparse takes a value that starts
    with ``-`` (a west longitude, a south latitude) for an option unless it is joined to its option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in NUMBER_LIST_OPTIONS and i + 1 < len(argv) and _NUMBER_LIST.fullmatch(argv[i + 1]):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def lon_lat(text: str) -> list[float]:
    """An argparse type: ``LON,LAT`` in degrees."""
    try:
        lon, lat = (float(p) for p in text.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not LON,LAT (e.g. 24.9414,60.1719)") from err
    return [lon, lat]


def iso_time(text: str) -> datetime:
    """An argparse type: an ISO 8601 time with a time zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time such as 2022-04-20T08:00+08:00") from err
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add one, e.g. +08:00 or Z")
    return value


def settings_from(**options: Any) -> Settings:
    """The settings of the environment, with the options given on the command line (``None``: not given)."""
    return Settings(**{name: value for name, value in options.items() if value is not None})
