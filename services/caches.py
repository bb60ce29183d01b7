"""The per-process caches of what never changes once stored: parsed zones, closure arcs, pass corridors, gates.

Each is one typed object on :class:`services.context.AppContext`.  They hold what a stored row
says and that row never changes (a zone is only ever deleted, a closure's arcs and a pass's
corridor are fixed when they are filed), so a cache never serves a stale answer: what is live
is always read fresh (zone ids, closures in force, revocation), only its parsed content is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection

import numpy as np

from geo.zones import Zone
from passes.corridor import PreparedCorridor
from routing.droppoint import Gate


class ZoneCache:
    """Parsed :class:`Zone` objects by ``(id, version)``, the key of one stored version of a zone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zones: dict[tuple[str, str], Zone] = {}

    def zones(self, keys: list[tuple[str, str]], load: Callable[[list[str]], dict[str, Zone]]) -> list[Zone]:
        """The zones of ``keys`` in their order; ``load(ids)`` parses those not seen before.

        Zones no longer in ``keys`` are forgotten; one deleted between listing and loading is left out.
        """
        with self._lock:
            missing = [zid for zid, created in keys if (zid, created) not in self._zones]
        if missing:
            parsed = load(missing)
            with self._lock:
                live = set(keys)
                for key in [k for k in self._zones if k not in live]:
                    del self._zones[key]
                self._zones.update({key: parsed[key[0]] for key in keys if key[0] in parsed})
        with self._lock:
            return [self._zones[key] for key in keys if key in self._zones]


class ClosureArcCache:
    """The arc ids of each approved closure, read once per process."""

    def __init__(self) -> None:
        self._arcs: dict[str, np.ndarray] = {}

    def arcs(
        self, in_force: list[str], approved: Collection[str], load: Callable[[str], np.ndarray | None]
    ) -> np.ndarray:
        """The sorted union (``int64``) of the arcs of the closures ``in_force``.

        ``approved`` lists every closure still approved: the others are forgotten.
        """
        if len(self._arcs) > len(approved):
            for cid in [c for c in self._arcs if c not in approved]:
                self._arcs.pop(cid, None)
        if not in_force:
            return np.zeros(0, dtype=np.int64)
        parts = []
        for cid in in_force:
            found = self._arcs.get(cid)
            if found is None:
                found = load(cid)
                if found is None:  # deleted between the two reads
                    continue
                self._arcs[cid] = found
            parts.append(found)
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


class CorridorCache:
    """Each pass's stored corridor, validated and hashed once (a pass's route never changes)."""

    #: Passes kept at most; the cache starts afresh beyond that.
    MAX_PASSES = 2048

    def __init__(self) -> None:
        self._corridors: dict[str, PreparedCorridor] = {}

    def corridor(self, pass_no: str, load: Callable[[str], list[list[float]] | None]) -> PreparedCorridor | None:
        """The prepared corridor of ``pass_no`` (``None`` for an unknown pass)."""
        prepared = self._corridors.get(pass_no)
        if prepared is None:
            coordinates = load(pass_no)
            if coordinates is None:
                return None
            prepared = PreparedCorridor.of(coordinates)
            if len(self._corridors) > self.MAX_PASSES:
                self._corridors.clear()
            self._corridors[pass_no] = prepared
        return prepared


class GateCache:
    """The OSM gates and entrances of the network's extract, read on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gates: list[Gate] | None = None

    def gates(self, load: Callable[[], list[Gate]]) -> list[Gate]:
        with self._lock:
            if self._gates is None:
                self._gates = load()
            return self._gates


class TravelTimeCache:
    """The network's fastest truck time between two checkpoint places (rounded to about a metre), kept for
    the last :data:`TRAVEL_CACHE_SIZE` pairs: checkpoints stand at fixed places, so most pairs repeat."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: OrderedDict[tuple[float, float, float, float], float | None] = OrderedDict()

    def fastest_s(
        self, a: tuple[float, float], b: tuple[float, float], compute: Callable[[], float | None]
    ) -> float | None:
        key = (round(a[0], 5), round(a[1], 5), round(b[0], 5), round(b[1], 5))
        with self._lock:
            if key in self._times:
                self._times.move_to_end(key)
                return self._times[key]
        found = compute()
        with self._lock:
            self._times[key] = found
            while len(self._times) > TRAVEL_CACHE_SIZE:
                self._times.popitem(last=False)
        return found


TRAVEL_CACHE_SIZE = 4096
