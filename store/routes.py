"""Stored routes: the typed :class:`RouteRecord` with its one JSON mapping, and the named queries.

A record is what ``POST /routes`` answers and what the ``routes`` table keeps: the public fields,
plus three private ones that never leave the service (:data:`PRIVATE_FIELDS`): the truck's arc
ids (closure impact analysis), the route rule's integer costs, and the request.  The same
:meth:`RouteRecord.to_json` writes the database column and the API answer (the answer is the
mapping minus the private fields); :meth:`RouteRecord.from_json` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.i18n import Text
from geo.lines import DEFAULT_PRECISION, encode_polyline, simplify_indices
from store.db import dumps, get_row
from store.models import RouteRow

#: Keys of :meth:`RouteRecord.to_json` that are stored but never answered (``texts_zh``: the Chinese twins of
#: the warnings and the explanation, answered in their place to a client that asked for Chinese).
PRIVATE_FIELDS = frozenset({"arcs", "costs", "request", "texts_zh"})

Point = tuple[float, float]


def _pt(p: Sequence[float]) -> list[float]:
    return [round(float(p[0]), 7), round(float(p[1]), 7)]


def _point(value: Sequence[float]) -> Point:
    return float(value[0]), float(value[1])


def line_geojson(coordinates: np.ndarray) -> dict[str, Any]:
    """A GeoJSON LineString of ``[n, 2]`` lon, lat rows, rounded to 7 decimals (~1 cm)."""
    arr = np.asarray(coordinates, dtype=float)
    return {"type": "LineString", "coordinates": np.round(arr, 7).reshape(-1, 2).tolist()}


def _rounded_rows(coordinates: np.ndarray) -> np.ndarray:
    """``[n, 2]`` lon, lat rows rounded to 7 decimals, C-contiguous ``float64`` (as orjson serialises an array)."""
    return np.ascontiguousarray(np.round(np.asarray(coordinates, dtype=np.float64), 7).reshape(-1, 2))


def _line_text(coordinates_text: bytes) -> orjson.Fragment:
    return orjson.Fragment(b'{"type":"LineString","coordinates":' + coordinates_text + b"}")


class LineTexts:
    """Writes a route document's lines as their JSON text (an ``orjson.Fragment`` each), serialised by
    orjson straight from the rounded arrays, with no Python list of floats: each text is the one of
    ``orjson.dumps(line_geojson(coordinates))``.

    Made with the route's own coordinates, whose text is serialised once: a leg's line that is a run of
    the route's rows (the truck's legs follow one another along it, sharing their end points) is cut out
    of that text instead of being serialised again; any other line (an inside vehicle's leg) is
    serialised on its own.
    """

    def __init__(self, route_coordinates: np.ndarray):
        self._coordinates = np.asarray(route_coordinates, dtype=np.float64).reshape(-1, 2)
        self._text = orjson.dumps(_rounded_rows(self._coordinates), option=orjson.OPT_SERIALIZE_NUMPY)
        self._ends: np.ndarray | None = None  # after each row's text, found when a run is first cut
        self._next = 0  # where the next leg's run is looked for first

    def __call__(self, coordinates: np.ndarray) -> orjson.Fragment:
        coordinates = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
        start = self._run_start(coordinates)
        if start is None:
            return _line_text(orjson.dumps(_rounded_rows(coordinates), option=orjson.OPT_SERIALIZE_NUMPY))
        stop = start + len(coordinates)
        self._next = stop
        if start == 0 and stop == len(self._coordinates):
            return _line_text(self._text)
        if self._ends is None:
            # a row's text is "[lon,lat]", with one "]" at its end; the last "]" closes the list
            self._ends = np.flatnonzero(np.frombuffer(self._text, dtype=np.uint8) == ord("]"))[:-1] + 1
        first = 1 if start == 0 else int(self._ends[start - 1]) + 1  # after the "," that ends the row before
        return _line_text(b"[" + self._text[first : int(self._ends[stop - 1])] + b"]")

    def _run_start(self, coordinates: np.ndarray) -> int | None:
        """The first index of the run of the route's rows that are ``coordinates`` bit for bit (so their
        rounded text is the same), ``None``: none where the legs' order puts it."""
        n = len(coordinates)
        if n == 0:
            return None
        wanted = coordinates.tobytes()
        for start in (self._next - 1, self._next, 0):
            if 0 <= start and start + n <= len(self._coordinates):
                if self._coordinates[start : start + n].tobytes() == wanted:
                    return start
        return None


#: How a document's line geometries are written: as mappings of lists (:func:`line_geojson`) or as
#: pre-serialised JSON text (:class:`LineTexts`).
Line = Callable[[np.ndarray], Any]


#: How an answer may write its lines (``geometry=`` of ``POST /routes``, ``GET /routes/{id}``, ``baotong route``).
GEOMETRY_MODES = ("full", "simplified", "polyline")
#: The default and the bounds of ``tolerance_m``, metres, for ``simplified``.
DEFAULT_TOLERANCE_M = 5.0
MIN_TOLERANCE_M = 0.5
MAX_TOLERANCE_M = 1000.0
#: The ``type`` of an encoded line in an answer (``{"type", "precision", "polyline"}``).
ENCODED_POLYLINE = "EncodedPolyline"


@dataclass(frozen=True)
class AnswerGeometry:
    """How a route answer writes its line geometries (the route's, its legs', an inside vehicle's leg).

    ``full``: GeoJSON LineStrings of every point (the stored document's, byte for byte). ``simplified``:
    GeoJSON LineStrings of the points a Douglas-Peucker simplification with ``tolerance_m`` metres keeps
    (:func:`geo.lines.simplify_indices`, on the answer's 7-decimal rows: every point of the full line is
    within ``tolerance_m`` of it, the ends are kept, so legs still meet). ``polyline``: in place of each
    LineString, ``{"type": "EncodedPolyline", "precision": 6, "polyline": "..."}``, Google's encoding in
    its ``lat, lng`` order of every point (:func:`geo.lines.encode_polyline`).  Only the answer changes:
    the stored document, passes and zone crossings keep the exact geometry.

    Raises
    ------
    InvalidInputError
        On an unknown ``mode`` or a ``tolerance_m`` outside
        [:data:`MIN_TOLERANCE_M`, :data:`MAX_TOLERANCE_M`].
    """

    mode: str = "full"
    tolerance_m: float = DEFAULT_TOLERANCE_M

    def __post_init__(self) -> None:
        if self.mode not in GEOMETRY_MODES:
            raise InvalidInputError(
                f"`geometry` was {self.mode!r}; expected one of {list(GEOMETRY_MODES)}",
                zh=f"`geometry` 为 {self.mode!r}；应为 {list(GEOMETRY_MODES)} 之一",
            )
        tol = self.tolerance_m
        if isinstance(tol, bool) or not (isinstance(tol, int | float) and MIN_TOLERANCE_M <= tol <= MAX_TOLERANCE_M):
            raise InvalidInputError(
                f"`tolerance_m` was {tol!r}; expected metres in [{MIN_TOLERANCE_M}, {MAX_TOLERANCE_M}]",
                zh=f"`tolerance_m` 为 {tol!r}；应为 [{MIN_TOLERANCE_M}, {MAX_TOLERANCE_M}] 米之间",
            )

    def line(self, *, text: bool) -> Line | None:
        """The writer of this mode's lines (``text``: as JSON text fragments for orjson, else mappings);
        ``None`` for ``full`` (the record's own shared writers)."""
        if self.mode == "simplified":
            tolerance_m = float(self.tolerance_m)

            def simplified(coordinates: np.ndarray) -> Any:
                rows = _rounded_rows(coordinates)
                kept = np.ascontiguousarray(rows[simplify_indices(rows, tolerance_m)])
                if text:
                    return _line_text(orjson.dumps(kept, option=orjson.OPT_SERIALIZE_NUMPY))
                return {"type": "LineString", "coordinates": kept.tolist()}

            return simplified
        if self.mode == "polyline":
            return encoded_line
        return None


def encoded_line(coordinates: np.ndarray) -> dict[str, Any]:
    """An answer's encoded line: ``{"type": "EncodedPolyline", "precision": 6, "polyline": "..."}``."""
    return {
        "type": ENCODED_POLYLINE,
        "precision": DEFAULT_PRECISION,
        "polyline": encode_polyline(np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)),
    }


def _line_coords(geometry: Mapping[str, Any]) -> np.ndarray:
    return np.asarray(geometry.get("coordinates") or [], dtype=float).reshape(-1, 2)


@dataclass(frozen=True, eq=False)
class LegRecord:
    """One leg: ``kind`` is ``origin``, ``transit``, ``destination`` or ``inside``; ``coordinates`` ``[n, 2]``."""

    kind: str
    length_m: float
    travel_time_s: float
    coordinates: np.ndarray
    note: str | None = None

    def to_json(self, line: Line = line_geojson) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "length_m": round(self.length_m, 1),
            "travel_time_s": round(self.travel_time_s, 1),
            "geometry": line(self.coordinates),
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LegRecord:
        return cls(
            kind=str(data["kind"]),
            length_m=float(data["length_m"]),
            travel_time_s=float(data["travel_time_s"]),
            coordinates=_line_coords(data["geometry"]),
            note=data.get("note"),
        )


@dataclass(frozen=True)
class CrossingRecord:
    """A zone the truck drives through: where it enters and leaves, and how long and far inside."""

    zone_id: str
    name: str | None
    risk: str
    entry: Point | None
    exit: Point | None
    time_inside_s: float
    length_inside_m: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "zone_id": self.zone_id,
            "name": self.name,
            "risk": self.risk,
            "entry": _pt(self.entry) if self.entry is not None else None,
            "exit": _pt(self.exit) if self.exit is not None else None,
            "time_inside_s": round(self.time_inside_s, 1),
            "length_inside_m": round(self.length_inside_m, 1) if self.length_inside_m is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CrossingRecord:
        entry, exit_ = data.get("entry"), data.get("exit")
        inside_m = data.get("length_inside_m")
        return cls(
            zone_id=str(data["zone_id"]),
            name=data.get("name"),
            risk=str(data["risk"]),
            entry=_point(entry) if entry is not None else None,
            exit=_point(exit_) if exit_ is not None else None,
            time_inside_s=float(data["time_inside_s"]),
            length_inside_m=float(inside_m) if inside_m is not None else None,
        )


@dataclass(frozen=True)
class SnapRecord:
    """How a given stop was snapped: metres to the road, and whether snapping carried it ``into`` or
    ``out_of`` a sealed/controlled zone (``zone_id``, ``risk``; ``None`` when it stayed on its side)."""

    stop: str
    given: Point
    snapped: Point
    distance_m: float
    moved: str | None = None
    zone_id: str | None = None
    risk: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stop": self.stop,
            "given": list(self.given),
            "snapped": _pt(self.snapped),
            "distance_m": round(self.distance_m, 1),
            "moved": self.moved,
            "zone_id": self.zone_id,
            "risk": self.risk,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SnapRecord:
        return cls(
            stop=str(data["stop"]),
            given=_point(data["given"]),
            snapped=_point(data["snapped"]),
            distance_m=float(data["distance_m"]),
            moved=data.get("moved"),
            zone_id=data.get("zone_id"),
            risk=data.get("risk"),
        )


@dataclass(frozen=True, eq=False)
class TransshipmentRecord:
    """A handover at a zone boundary: the truck stops at ``docking_point``, an inside vehicle drives ``leg``."""

    end: str  # "origin" or "destination"
    zone_id: str
    zone_name: str
    risk: str
    docking_point: Point
    planned: bool
    leg: LegRecord

    def to_json(self, line: Line = line_geojson) -> dict[str, Any]:
        return {
            "zone_id": self.zone_id,
            "zone_name": self.zone_name,
            "risk": self.risk,
            "docking_point": _pt(self.docking_point),
            "planned": self.planned,
            "leg": self.leg.to_json(line),
        }

    @classmethod
    def from_json(cls, end: str, data: Mapping[str, Any]) -> TransshipmentRecord:
        return cls(
            end=end,
            zone_id=str(data["zone_id"]),
            zone_name=str(data["zone_name"]),
            risk=str(data["risk"]),
            docking_point=_point(data["docking_point"]),
            planned=bool(data["planned"]),
            leg=LegRecord.from_json(data["leg"]),
        )


@dataclass(frozen=True, eq=False)
class RouteRecord:
    """A computed route as stored and answered.

    ``coordinates`` is the truck's whole drive, ``[n, 2]`` lon, lat: unrounded when the record
    was just computed (a pass corridor is taken from it), rounded to 7 decimals when read back.
    ``arcs`` are the truck's ``int64`` arc ids.  Treat the arrays as read-only.
    """

    id: str
    created_at: datetime
    origin: Point
    destination: Point
    snapped_origin: Point
    snapped_destination: Point
    departure: datetime | None
    length_m: float
    travel_time_s: float
    coordinates: np.ndarray
    legs: tuple[LegRecord, ...]
    arcs: np.ndarray
    zones_crossed: tuple[CrossingRecord, ...] = ()
    transshipments: tuple[TransshipmentRecord, ...] = ()
    warnings: tuple[str, ...] = ()
    explanation: str | None = None
    choice: str | None = None
    closed_loop_delivery: bool = False
    time_inside_s: float = 0.0
    stops: tuple[Point, ...] = ()
    snaps: tuple[SnapRecord, ...] = ()
    costs: Mapping[str, Any] = field(default_factory=dict)
    request: Mapping[str, Any] | None = None

    @cached_property
    def json(self) -> dict[str, Any]:
        """:meth:`to_json`, computed once (do not change the mapping)."""
        return self.to_json()

    @cached_property
    def _encoded(self) -> dict[str, Any]:
        """:meth:`to_json` with every line geometry pre-serialised (:class:`LineTexts`), computed once."""
        # orjson writes the arc ids' array itself (``dumps`` serialises numpy arrays)
        return self._document(LineTexts(self.coordinates), np.ascontiguousarray(self.arcs, dtype=np.int64))

    def to_json(self) -> dict[str, Any]:
        """The one JSON mapping of a route: the stored document, and with :func:`public` the API answer."""
        return self._document(line_geojson, np.asarray(self.arcs, dtype=np.int64).tolist())

    def _document(self, line: Line, arcs: Any) -> dict[str, Any]:
        """:meth:`to_json`'s mapping, with each line geometry (the route's and its legs') written by ``line``."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "origin": list(self.origin),
            "destination": list(self.destination),
            "snapped_origin": _pt(self.snapped_origin),
            "snapped_destination": _pt(self.snapped_destination),
            "departure": self.departure.isoformat() if self.departure else None,
            "length_m": round(self.length_m, 1),
            "travel_time_s": round(self.travel_time_s, 1),
            "geometry": line(self.coordinates),
            "legs": [leg.to_json(line) for leg in self.legs],
            "zones_crossed": [c.to_json() for c in self.zones_crossed],
            "transshipment": {t.end: t.to_json(line) for t in self.transshipments} or None,
            "warnings": list(self.warnings),
            "explanation": self.explanation,
            "choice": self.choice,
            "closed_loop_delivery": self.closed_loop_delivery,
            "time_inside_s": round(self.time_inside_s, 1),
            "stops": [_pt(p) for p in self.stops],
            "snaps": [r.to_json() for r in self.snaps],
            "arcs": arcs,
            "costs": dict(self.costs),
            "request": dict(self.request) if self.request is not None else None,
            "texts_zh": {
                "warnings": [getattr(w, "zh", w) for w in self.warnings],
                "legs": [getattr(leg.note, "zh", leg.note) for leg in self.legs],
                "explanation": getattr(self.explanation, "zh", self.explanation),
            },
        }

    def public_json(self, lang: str | None = None, *, geometry: AnswerGeometry | None = None) -> dict[str, Any]:
        """The API answer: :meth:`to_json` without the private fields.

        With ``lang="zh"`` (a client that asked for Chinese) the warnings and the explanation are their
        Chinese twins; otherwise (no language, ``en``) they are the English texts.  ``geometry`` says how
        the lines are written (default: every point, as stored).
        """
        line = geometry.line(text=False) if geometry is not None else None
        if line is None:
            return self._public(self.json, lang)
        return self._public(self._document(line, None), lang)

    def stored_text(self) -> str:
        """The stored document's JSON text: the text of ``dumps(self.json)``, with each line geometry
        serialised from its array."""
        return dumps(self._encoded)

    def public_bytes(self, lang: str | None = None, *, geometry: AnswerGeometry | None = None) -> bytes:
        """The API answer's JSON: the bytes of ``orjson.dumps(self.public_json(lang, geometry=geometry))``.

        In full (the default) each line geometry is serialised once from its array and shared with
        :meth:`stored_text`; simplified or encoded lines are written for this answer only.
        """
        line = geometry.line(text=True) if geometry is not None else None
        if line is None:
            return orjson.dumps(self._public(self._encoded, lang))
        return orjson.dumps(self._public(self._document(line, None), lang))

    def _public(self, document: dict[str, Any], lang: str | None) -> dict[str, Any]:
        answer = public(document)
        if lang == "zh":
            answer["warnings"] = [getattr(w, "zh", w) for w in self.warnings]
            answer["explanation"] = getattr(self.explanation, "zh", self.explanation)
            answer["legs"] = [
                {**doc, "note": getattr(leg.note, "zh", leg.note)}
                for doc, leg in zip(answer["legs"], self.legs, strict=True)
            ]
        return answer

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RouteRecord:
        """Read a stored document back.

        Raises
        ------
        KeyError, ValueError
            If ``data`` is not a route document.
        """
        departure = data.get("departure")
        trans = data.get("transshipment") or {}
        texts_zh = data.get("texts_zh") or {}
        return cls(
            id=str(data["id"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            origin=_point(data["origin"]),
            destination=_point(data["destination"]),
            snapped_origin=_point(data["snapped_origin"]),
            snapped_destination=_point(data["snapped_destination"]),
            departure=datetime.fromisoformat(departure) if departure else None,
            length_m=float(data["length_m"]),
            travel_time_s=float(data["travel_time_s"]),
            coordinates=_line_coords(data["geometry"]),
            legs=_legs_with_notes([LegRecord.from_json(leg) for leg in data["legs"]], texts_zh.get("legs")),
            arcs=np.asarray(data.get("arcs") or [], dtype=np.int64),
            zones_crossed=tuple(CrossingRecord.from_json(c) for c in data.get("zones_crossed") or []),
            transshipments=tuple(TransshipmentRecord.from_json(end, t) for end, t in trans.items()),
            warnings=tuple(_texts(data.get("warnings") or (), texts_zh.get("warnings"))),
            explanation=_text(data.get("explanation"), texts_zh.get("explanation")),
            choice=data.get("choice"),
            closed_loop_delivery=bool(data.get("closed_loop_delivery", False)),
            time_inside_s=float(data.get("time_inside_s") or 0.0),
            stops=tuple(_point(p) for p in data.get("stops") or ()),
            snaps=tuple(SnapRecord.from_json(r) for r in data.get("snaps") or ()),
            costs=dict(data.get("costs") or {}),
            request=data.get("request"),
        )


def _text(en: str | None, zh: str | None) -> str | None:
    """A stored English text with its stored Chinese twin (a document without twins: the English alone)."""
    return Text(en, zh=zh) if en is not None and zh is not None else en


def _texts(en: Sequence[str], zh: Sequence[str] | None) -> list[str]:
    if zh is None or len(zh) != len(en):
        return list(en)
    return [Text(e, zh=z) for e, z in zip(en, zh, strict=True)]


def _legs_with_notes(legs: list[LegRecord], notes_zh: Sequence[str | None] | None) -> tuple[LegRecord, ...]:
    """Stored legs with their notes' Chinese twins (a document without twins: the legs as stored)."""
    if notes_zh is None or len(notes_zh) != len(legs):
        return tuple(legs)
    return tuple(replace(leg, note=_text(leg.note, zh)) for leg, zh in zip(legs, notes_zh, strict=True))


def public(document: Mapping[str, Any]) -> dict[str, Any]:
    """A route document without its private fields (:data:`PRIVATE_FIELDS`)."""
    return {k: v for k, v in document.items() if k not in PRIVATE_FIELDS}


def route_row(
    record: RouteRecord, *, created_at: datetime, created_by: str | None, enterprise_id: str | None = None
) -> RouteRow:
    """The row of ``record`` for a caller's ORM transaction (pass issuance stores its route with the pass)."""
    return RouteRow(
        id=record.id,
        request=dumps(record.request),
        result=record.stored_text(),
        created_at=created_at,
        created_by=created_by,
        enterprise_id=enterprise_id,
    )


def get_route(session: Session, route_id: str) -> RouteRecord:
    """The stored route ``route_id``.

    Raises
    ------
    NotFoundError
        If there is no such route.
    """
    return RouteRecord.from_json(json.loads(get_row(session, RouteRow, route_id, "route").result))


def route_enterprise(session: Session, route_id: str) -> str | None:
    """The enterprise the stored route ``route_id`` was planned for (``None``: the bureau's).

    Raises
    ------
    NotFoundError
        If there is no such route.
    """
    return get_row(session, RouteRow, route_id, "route").enterprise_id


def find_route(session: Session, route_id: str) -> RouteRecord | None:
    """The stored route ``route_id``, or ``None``."""
    row = session.get(RouteRow, route_id)
    return RouteRecord.from_json(json.loads(row.result)) if row is not None else None


def list_routes(session: Session, *, limit: int = 200) -> list[RouteRecord]:
    """The newest ``limit`` stored routes, newest first."""
    rows = session.scalars(select(RouteRow).order_by(RouteRow.created_at.desc()).limit(limit)).all()
    return [RouteRecord.from_json(json.loads(r.result)) for r in rows]
