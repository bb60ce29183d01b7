"""Road-closure approval checks: the rules table, matching a request to arcs, impact analysis.

Policy (section 五(三) of the city's work plan): a county may not on its own
block or close an expressway or an ordinary highway; hard isolation of county,
township and village roads is forbidden; a closure that is truly needed goes
to the city- or province-level command and starts only after approval.

Rules table
-----------
Keyed by road grade (``RoadNetwork.grade``) and mode. The default
(:data:`DEFAULT_RULES`):

================================  ==============  ==============  ==============
grade                             hard_barrier    checkpoint      lane
================================  ==============  ==============  ==============
expressway, national, provincial  provincial      provincial      provincial
county, township, village         **rejected**    allowed         city
urban                             city            allowed         allowed
================================  ==============  ==============  ==============

(``provincial`` = ``needs_provincial_approval``, ``city`` =
``needs_city_approval``.) Rule ids are ``"<grade>/<mode>"``. On top of the
table:

* ``green_channel/escalate`` -- a closure touching a green channel's corridor
  goes up one level: allowed -> city -> provincial (provincial stays
  provincial, rejected stays rejected);
* ``impact/whitelist_cut`` -- a closure that leaves a whitelist enterprise
  unreachable from every hub carries a *blocking* reason (it may not be
  approved while that holds);
* ``impact/hub_cut`` and ``impact/nodes_stranded`` -- so does a closure that
  cuts a hub off from another hub or a sampled node, or strands road nodes
  (they can no longer be left, or no longer be reached).  Reachability is
  computed on the directed truck graph both ways (:func:`strands`): a barrier
  on one bore of a one-way pair strands what lies beyond it.

The decision is the strictest over all affected arcs (``allowed`` <
``needs_city_approval`` < ``needs_provincial_approval`` < ``rejected``) and
lists every rule that contributed. Override the table with
:func:`load_rules` (a dict, or a JSON/YAML file path); overrides are merged
onto the default.

Modes in routing: a ``hard_barrier`` removes the matched arcs; a
``checkpoint`` keeps the road open and adds :data:`CHECKPOINT_DELAY_S` at each
entry into the matched stretch; a ``lane`` closure keeps it open at
:data:`LANE_FACTOR` times the travel time. The delays are used by the impact
analysis; live routing only removes hard-barrier arcs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geo.errors import InvalidInputError, OffNetworkError
from geo.i18n import Text
from routing.engine import FORBIDDEN, MAX_ARC_WEIGHT, Engine
from routing.graph import component_labels
from routing.network import WEIGHT_UNIT_S, RoadNetwork, source_label
from routing.roads import GRADES

MODES = ("hard_barrier", "checkpoint", "lane")
DIRECTIONS = ("both", "forward", "backward")
DECISIONS = ("allowed", "needs_city_approval", "needs_provincial_approval", "rejected")  # by strictness
#: Closure modes and decisions in Chinese, for the reasons' Chinese twins.
MODE_ZH = {"hard_barrier": "硬隔离", "checkpoint": "检查站", "lane": "车道封闭"}
DECISION_ZH = {
    "allowed": "允许",
    "needs_city_approval": "须市级审批",
    "needs_provincial_approval": "须省级审批",
    "rejected": "驳回",
}
#: Which approver role a decision needs (``None``: no approval).
APPROVER_LEVEL = {
    "allowed": None,
    "needs_city_approval": "city",
    "needs_provincial_approval": "province",
    "rejected": None,
}
CHECKPOINT_DELAY_S = 300.0
LANE_FACTOR = 2.0
DEFAULT_LINE_BUFFER_M = 25.0


@dataclass(frozen=True)
class Rule:
    """One row of the rules table."""

    id: str
    grade: str
    mode: str
    decision: str
    reason: str


def _default_rules() -> dict[tuple[str, str], Rule]:
    trunk = {
        "expressway": ("an expressway", "高速公路"),
        "national": ("a national trunk road", "国道干线"),
        "provincial": ("a provincial trunk road", "省道干线"),
    }
    grade_zh = {"county": "县道", "township": "乡道", "village": "村道"}
    out: dict[tuple[str, str], Rule] = {}
    for grade, (label, label_zh) in trunk.items():
        for mode in MODES:
            out[grade, mode] = Rule(
                f"{grade}/{mode}",
                grade,
                mode,
                "needs_provincial_approval",
                Text(
                    f"a {mode} on {label} needs approval by the province-level command",
                    zh=f"在{label_zh}上设置{MODE_ZH[mode]}须经省级指挥部审批",
                ),
            )
    for grade in ("county", "township", "village"):
        out[grade, "hard_barrier"] = Rule(
            f"{grade}/hard_barrier",
            grade,
            "hard_barrier",
            "rejected",
            Text(f"hard isolation of {grade} roads is forbidden", zh=f"禁止对{grade_zh[grade]}实施硬隔离"),
        )
        out[grade, "checkpoint"] = Rule(
            f"{grade}/checkpoint",
            grade,
            "checkpoint",
            "allowed",
            Text(
                f"a checkpoint on a {grade} road is allowed with notice; traffic must pass",
                zh=f"报备后可在{grade_zh[grade]}上设置检查站；须保证车辆通行",
            ),
        )
        out[grade, "lane"] = Rule(
            f"{grade}/lane",
            grade,
            "lane",
            "needs_city_approval",
            Text(
                f"a lane closure on an ordinary ({grade}) highway needs city-level approval",
                zh=f"普通公路（{grade_zh[grade]}）的车道封闭须经市级审批",
            ),
        )
    out["urban", "hard_barrier"] = Rule(
        "urban/hard_barrier",
        "urban",
        "hard_barrier",
        "needs_city_approval",
        Text("a barrier on an urban street needs city-level approval", zh="在城市道路上设置硬隔离须经市级审批"),
    )
    out["urban", "checkpoint"] = Rule(
        "urban/checkpoint",
        "urban",
        "checkpoint",
        "allowed",
        Text("a checkpoint on an urban street is allowed with notice", zh="报备后可在城市道路上设置检查站"),
    )
    out["urban", "lane"] = Rule(
        "urban/lane",
        "urban",
        "lane",
        "allowed",
        Text("a lane closure on an urban street is allowed with notice", zh="报备后可封闭城市道路的车道"),
    )
    return out


#: The default rules table, keyed by ``(grade, mode)``.
DEFAULT_RULES: Mapping[tuple[str, str], Rule] = _default_rules()


def load_rules(source: Mapping | str | Path | None = None) -> dict[tuple[str, str], Rule]:
    """The rules table: :data:`DEFAULT_RULES` with ``source``'s overrides merged in.

    ``source`` is a mapping ``{grade: {mode: decision | {"decision": ..., "reason": ...}}}``
    or the path of a JSON or YAML file holding one.

    Raises
    ------
    InvalidInputError
        For an unknown grade, mode or decision, or an unreadable file.
    """
    table = dict(DEFAULT_RULES)
    if source is None:
        return table
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except (OSError, ValueError) as err:
            raise InvalidInputError(
                f"could not read the rules table {str(path)!r}: {err}", zh=f"无法读取规则表 {str(path)!r}：{err}"
            ) from err
    else:
        data = source
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            f"a rules table must map grade -> mode -> decision; got {type(data).__name__}",
            zh=f"规则表应为 道路等级 -> 封闭方式 -> 决定 的映射；实际为 {type(data).__name__}",
        )
    for grade, modes in data.items():
        if grade not in GRADES:
            raise InvalidInputError(
                f"rules table grade {grade!r}; expected one of {list(GRADES)}",
                zh=f"规则表中的道路等级 {grade!r} 无效；应为 {list(GRADES)} 之一",
            )
        if not isinstance(modes, Mapping):
            raise InvalidInputError(
                f"rules table entry for {grade!r} must map mode -> decision",
                zh=f"规则表中 {grade!r} 的条目应为 封闭方式 -> 决定 的映射",
            )
        for mode, value in modes.items():
            if mode not in MODES:
                raise InvalidInputError(
                    f"rules table mode {mode!r} (grade {grade!r}); expected one of {list(MODES)}",
                    zh=f"规则表中的封闭方式 {mode!r}（道路等级 {grade!r}）无效；应为 {list(MODES)} 之一",
                )
            decision, reason = (
                (value.get("decision"), value.get("reason")) if isinstance(value, Mapping) else (value, None)
            )
            if decision not in DECISIONS:
                raise InvalidInputError(
                    f"rules table decision {decision!r} for {grade}/{mode}; expected one of {list(DECISIONS)}",
                    zh=f"规则表中 {grade}/{mode} 的决定 {decision!r} 无效；应为 {list(DECISIONS)} 之一",
                )
            table[grade, mode] = Rule(
                f"{grade}/{mode}", grade, mode, decision, reason or f"{grade}/{mode}: {decision} (configured)"
            )
    return table


# ----------------------------------------------------------------------------------
# Matching a request to arcs
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    """The arcs a closure request covers, and the roads they belong to."""

    method: str  # "way_ids", "line" or "point"
    direction: str
    arcs: np.ndarray  # int64, sorted, unique
    roads: list[dict]  # one per OSM way: way_id, name, ref, highway, grade, arcs, length_m
    chains: list[list[list[float]]]  # [lon, lat] lines along the matched arcs (display, feed)
    distance_m: float = 0.0  # how far the request geometry lay from the matched road

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "direction": self.direction,
            "arc_count": int(self.arcs.size),
            "arcs": self.arcs.tolist(),
            "roads": self.roads,
            "distance_m": round(self.distance_m, 1),
        }


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise InvalidInputError(
            f"`direction` was {direction!r}; expected one of {list(DIRECTIONS)}",
            zh=f"`direction` 为 {direction!r}；应为 {list(DIRECTIONS)} 之一",
        )


def _road_summary(net: RoadNetwork, arcs: np.ndarray) -> list[dict]:
    out: dict[int, dict] = {}
    for a in arcs.tolist():
        w = int(net.osm_way_id[a])
        row = out.setdefault(
            w,
            {
                "way_id": w,
                "name": net.name[a],
                "ref": net.ref[a],
                "highway": str(net.highway[a]),
                "grade": str(net.grade[a]),
                "arcs": 0,
                "length_m": 0.0,
            },
        )
        row["arcs"] += 1
        row["length_m"] += float(net.length_m[a])
    for row in out.values():
        row["length_m"] = round(row["length_m"], 1)
    return sorted(out.values(), key=lambda r: -r["length_m"])


def chains(net: RoadNetwork, arcs: np.ndarray) -> list[list[int]]:
    """Split arcs into node chains (paths following tail -> head, no U-turns), longest first."""
    arc_ids = [int(a) for a in arcs]
    tail = {a: int(net.tail[a]) for a in arc_ids}
    head = {a: int(net.head[a]) for a in arc_ids}
    by_tail: dict[int, list[int]] = {}
    by_head: dict[int, list[int]] = {}
    for a in arc_ids:
        by_tail.setdefault(tail[a], []).append(a)
        by_head.setdefault(head[a], []).append(a)
    used: set[int] = set()
    out: list[list[int]] = []
    for a0 in arc_ids:
        if a0 in used:
            continue
        seen = {a0}
        while True:  # walk back to the start of this chain
            prev = [b for b in by_head.get(tail[a0], []) if b not in used and b not in seen and tail[b] != head[a0]]
            if not prev:
                break
            a0 = prev[0]
            seen.add(a0)
        nodes = [tail[a0]]
        step: int | None = a0
        while step is not None:
            used.add(step)
            nodes.append(head[step])
            nxt = [b for b in by_tail.get(head[step], []) if b not in used and head[b] != tail[step]]
            step = nxt[0] if nxt else None
        out.append(nodes)
    return sorted(out, key=len, reverse=True)


def _finish(net: RoadNetwork, method: str, direction: str, arcs, distance_m: float = 0.0) -> Match:
    arcs = np.unique(np.asarray(arcs, dtype=np.int64))
    # display chains: one direction per segment (the forward one where there is one)
    rev = net.reverse_arc[arcs]
    one_way = arcs[(rev < 0) | ~np.isin(rev, arcs) | (arcs < rev)]
    lines = [net.path_coords(c) for c in chains(net, one_way)]
    return Match(method, direction, arcs, _road_summary(net, arcs), lines, distance_m)


def match_ways(net: RoadNetwork, way_ids: Sequence[int], direction: str = "both") -> Match:
    """Arcs of OSM ways. ``forward`` is the way's digitised direction.

    The builder adds each two-way segment forward first, so of each pair the
    lower arc id is the forward one; one-way arcs count as forward.

    Raises
    ------
    InvalidInputError
        For an empty list, or a way id that is not in the network.
    """
    _check_direction(direction)
    if not way_ids:
        raise InvalidInputError(
            "`way_ids` is empty; give at least one OSM way id", zh="`way_ids` 为空；请至少给出一个 OSM 道路 id"
        )
    found = []
    for w in way_ids:
        arcs = net.arcs_of_way(int(w))
        if arcs.size == 0:
            raise InvalidInputError(
                f"OSM way {w} is not in the truck network ({source_label(net.source)}); "
                "check the id or give a line along the road instead",
                zh=f"OSM 道路 {w} 不在货车路网中（{source_label(net.source)}）；请检查 id，或改为沿道路画线",
            )
        rev = net.reverse_arc[arcs]
        forward = arcs[(rev < 0) | (arcs < rev)]
        backward = arcs[(rev >= 0) & (arcs > rev)]
        found.append({"both": arcs, "forward": forward, "backward": backward}[direction])
    arcs = np.concatenate(found)
    if arcs.size == 0:
        raise InvalidInputError(
            f"the ways {list(way_ids)} have no arc in direction {direction!r} (one-way roads)",
            zh=f"道路 {list(way_ids)} 在方向 {direction!r} 上没有路段（单行道）",
        )
    return _finish(net, "way_ids", direction, arcs)


def match_point(
    net: RoadNetwork, lon: float, lat: float, direction: str = "both", *, max_snap_m: float = 100.0
) -> Match:
    """The road segment under a point; ``forward`` is the direction of the snapped arc.

    Raises
    ------
    OffNetworkError
        If the point is farther than ``max_snap_m`` from every road.
    """
    _check_direction(direction)
    snap = net.snap(lon, lat, max_snap_m=max_snap_m, field_name="geometry")
    arcs = {"both": [snap.arc, snap.reverse_arc], "forward": [snap.arc], "backward": [snap.reverse_arc]}[direction]
    arcs = [a for a in arcs if a >= 0]
    if not arcs:
        raise InvalidInputError(
            f"the road at {[lon, lat]} is one-way; it has no {direction!r} arc",
            zh=f"{[lon, lat]} 处的道路是单行道；没有 {direction!r} 方向的路段",
        )
    return _finish(net, "point", direction, arcs, snap.distance_m)


def way_at(net: RoadNetwork, lon: float, lat: float, *, max_snap_m: float = 100.0) -> Match:
    """The whole OSM way under a point, both directions (``distance_m``: how far the point lay from it).

    Raises
    ------
    OffNetworkError
        If the point is farther than ``max_snap_m`` from every road.
    """
    snap = net.snap(lon, lat, max_snap_m=max_snap_m, field_name="point")
    way = int(net.osm_way_id[snap.arc])
    found = match_ways(net, [way])
    return Match(found.method, found.direction, found.arcs, found.roads, found.chains, snap.distance_m)


def match_line(
    net: RoadNetwork,
    coords: Sequence[Sequence[float]],
    direction: str = "both",
    *,
    buffer_m: float = DEFAULT_LINE_BUFFER_M,
) -> Match:
    """The arcs along a ``[[lon, lat], ...]`` line.

    An undirected segment matches when at least half of it lies within
    ``buffer_m`` of the line and it runs along the line (within 60 degrees of
    the line's direction at that place), so cross streets are left out.
    ``forward`` arcs run the way the line is drawn, ``backward`` against it.

    Raises
    ------
    OffNetworkError
        If no road runs along the line within ``buffer_m`` (the message gives the distance).
    InvalidInputError
        For fewer than two points or a bad buffer.
    """
    import shapely

    _check_direction(direction)
    if len(coords) < 2:
        raise InvalidInputError(
            f"a closure LineString needs at least 2 points; got {len(coords)}",
            zh=f"道路封闭的 LineString 至少需要 2 个点；实际为 {len(coords)} 个",
        )
    if not (1.0 <= buffer_m <= 200.0):
        raise InvalidInputError(
            f"`buffer_m` was {buffer_m!r}; expected 1..200", zh=f"`buffer_m` 为 {buffer_m!r}；应在 1..200 米之间"
        )
    x, y = net.projection.forward(np.array([c[0] for c in coords], float), np.array([c[1] for c in coords], float))
    line = shapely.LineString(np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]))
    if line.length < 1.0:
        raise InvalidInputError(
            "the closure line is shorter than 1 m; give a Point instead",
            zh="封闭线短于 1 米；请改为给出一个点（Point）",
        )
    tree, lines, seg_arcs = net._segment_index()
    buf = line.buffer(buffer_m)
    hit = tree.query(buf, predicate="intersects")
    if hit.size == 0:
        idx, dist = tree.query_nearest(line, return_distance=True, all_matches=False)
        d = float(dist[0]) if len(dist) else math.inf
        raise OffNetworkError(
            f"`geometry` runs {d:,.0f} m from the nearest road; a closure line must follow a road "
            f"within {buffer_m:,.0f} m",
            zh=f"`geometry` 距最近道路 {d:,.0f} 米；封闭线必须沿道路绘制，偏离不超过 {buffer_m:,.0f} 米",
        )
    segs = lines[hit]
    inside = shapely.length(shapely.intersection(segs, buf)) / np.maximum(shapely.length(segs), 1e-9)
    keep = inside >= 0.5
    if not keep.any():
        raise OffNetworkError(
            f"no road runs along `geometry` within {buffer_m:,.0f} m (only crossing roads); "
            "draw the line along the road to close",
            zh=f"在 {buffer_m:,.0f} 米范围内没有沿 `geometry` 延伸的道路（只有横穿的道路）；请沿要封闭的道路画线",
        )
    seg = seg_arcs[hit][keep]
    rev = net.reverse_arc[seg]
    cand = np.concatenate([seg, rev[rev >= 0]])
    # the candidate nodes nearest to the line's two ends
    cnodes = np.unique(np.concatenate([net.tail[cand], net.head[cand]]))
    x, y = net.node_xy
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    start = int(cnodes[np.argmin((x[cnodes] - x0) ** 2 + (y[cnodes] - y0) ** 2)])
    end = int(cnodes[np.argmin((x[cnodes] - x1) ** 2 + (y[cnodes] - y1) ** 2)])
    if start == end:  # a line within one segment: the segment under its middle, in the line's direction
        mid = line.interpolate(0.5, normalized=True)
        s_arc = int(seg[np.argmin(shapely.distance(lines[hit][keep], mid))])
        forward = [
            a
            for a in (s_arc, int(net.reverse_arc[s_arc]))
            if a >= 0
            and (x[net.head[a]] - x[net.tail[a]]) * (x1 - x0) + (y[net.head[a]] - y[net.tail[a]]) * (y1 - y0) > 0
        ]
        backward = [a for a in (s_arc, int(net.reverse_arc[s_arc])) if a >= 0 and a not in forward]
    else:
        forward = _path_along(net, cand, start, end)
        backward = _path_along(net, cand, end, start)
    picked = {"both": forward + backward, "forward": forward, "backward": backward}[direction]
    if not picked:
        raise InvalidInputError(
            f"no road runs continuously along `geometry` in direction {direction!r} "
            "(a one-way road drawn the other way, or a gap in the line)",
            zh=f"没有沿 `geometry` 在方向 {direction!r} 上连续的道路（单行道画反了方向，或线中间有断开）",
        )
    picked_arr = np.unique(np.asarray(picked, dtype=np.int64))
    distance = float(shapely.distance(line, shapely.union_all(lines[hit][keep])))
    return _finish(net, "line", direction, picked_arr, distance)


def _path_along(net: RoadNetwork, cand: np.ndarray, start: int, end: int) -> list[int]:
    """Arcs of the shortest directed path (by length) over the arcs ``cand`` from node ``start`` to ``end``
    (empty when there is none)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    nodes, local = np.unique(np.concatenate([net.tail[cand], net.head[cand]]), return_inverse=True)
    lt, lh = local[: cand.size], local[cand.size :]
    best: dict[tuple[int, int], int] = {}
    for i in np.argsort(-net.length_m[cand]).tolist():  # the shortest parallel arc wins
        best[int(lt[i]), int(lh[i])] = int(cand[i])
    keys = np.array(list(best.keys()), dtype=np.int64).reshape(-1, 2)
    arcs_ = np.array(list(best.values()), dtype=np.int64)
    g = coo_matrix((net.length_m[arcs_] + 1e-3, (keys[:, 0], keys[:, 1])), shape=(nodes.size, nodes.size)).tocsr()
    s, t = int(np.searchsorted(nodes, start)), int(np.searchsorted(nodes, end))
    dist, pred = dijkstra(g, directed=True, indices=s, return_predecessors=True)
    if not np.isfinite(dist[t]):
        return []
    path = [t]
    while path[-1] != s:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return [best[u, v] for u, v in zip(path[:-1], path[1:])]


# ----------------------------------------------------------------------------------
# Weights with a closure applied
# ----------------------------------------------------------------------------------
def closure_weights(net: RoadNetwork, base: np.ndarray, arcs: np.ndarray, mode: str) -> np.ndarray:
    """A copy of ``base`` with the closure applied (see the module docstring for each mode)."""
    if mode not in MODES:
        raise InvalidInputError(
            f"`mode` was {mode!r}; expected one of {list(MODES)}", zh=f"`mode` 为 {mode!r}；应为 {list(MODES)} 之一"
        )
    w = np.array(base, dtype=np.int64, copy=True)
    arcs = np.asarray(arcs, dtype=np.int64)
    if arcs.size == 0:
        return w
    open_ = arcs[w[arcs] != FORBIDDEN]
    if mode == "hard_barrier":
        w[arcs] = FORBIDDEN
    elif mode == "lane":
        w[open_] = np.minimum(np.rint(w[open_] * LANE_FACTOR), MAX_ARC_WEIGHT).astype(np.int64)
    else:  # checkpoint: a delay on entering the matched stretch
        heads = set(net.head[arcs].tolist())
        entry = np.array([a for a in open_.tolist() if int(net.tail[a]) not in heads], dtype=np.int64)
        if entry.size == 0:
            entry = open_[:1]
        delay = int(round(CHECKPOINT_DELAY_S / WEIGHT_UNIT_S))
        w[entry] = np.minimum(w[entry] + delay, MAX_ARC_WEIGHT)
    return w


# ----------------------------------------------------------------------------------
# Decision
# ----------------------------------------------------------------------------------
@dataclass
class Decision:
    """The rules' verdict on a closure request."""

    decision: str
    grade: str | None
    approval_level: str | None
    reasons: list[dict] = field(default_factory=list)  # {"rule", "text", ...}
    blocking: list[dict] = field(default_factory=list)  # reasons that stop approval

    @property
    def rule_ids(self) -> list[str]:
        return [r["rule"] for r in self.reasons] + [r["rule"] for r in self.blocking]

    def to_dict(self) -> dict:
        return {
            "decision": self.decision,
            "grade": self.grade,
            "approval_level": self.approval_level,
            "reasons": self.reasons,
            "blocking_reasons": self.blocking,
            "rules": self.rule_ids,
        }


def _strictness(decision: str) -> int:
    return DECISIONS.index(decision)


def undirected(net: RoadNetwork, arcs) -> np.ndarray:
    """``arcs`` plus their opposite-direction arcs (segments touched in either direction)."""
    arcs = np.asarray(arcs, dtype=np.int64)
    rev = net.reverse_arc[arcs]
    return np.unique(np.concatenate([arcs, rev[rev >= 0]]))


def _with_zh(entry: dict) -> dict:
    """A reason with ``text_zh``, the Chinese twin of its ``text`` (kept when stored; a configured reason
    without one reads its own text)."""
    return {**entry, "text_zh": getattr(entry["text"], "zh", entry["text"])}


def decide(
    net: RoadNetwork,
    arcs: np.ndarray,
    mode: str,
    *,
    rules: Mapping[tuple[str, str], Rule] | None = None,
    green_channels: Mapping[str, np.ndarray] | None = None,
    cut_enterprises: Sequence[dict] = (),
    hubs_cut_off: Sequence[dict] = (),
    bridge: Mapping | None = None,
) -> Decision:
    """Apply the rules table to the arcs of a closure.

    Parameters
    ----------
    arcs
        The matched arc ids.
    green_channels
        ``{channel id: arc ids}`` of protected corridors; touching one escalates.
    cut_enterprises
        From :func:`analyse_impact` (``cut_enterprises``): whitelist enterprises
        cut off from every hub; each adds a blocking reason.
    hubs_cut_off, bridge
        From :func:`analyse_impact` (``hubs_cut_off``, ``bridge``): each hub
        that loses a connection, and road nodes stranded on the directed graph
        (they cannot leave or cannot be reached), add a blocking reason.

    Raises
    ------
    InvalidInputError
        For an unknown mode, no arcs, or a grade the table does not cover.
    """
    if mode not in MODES:
        raise InvalidInputError(
            f"`mode` was {mode!r}; expected one of {list(MODES)}", zh=f"`mode` 为 {mode!r}；应为 {list(MODES)} 之一"
        )
    arcs = np.asarray(arcs, dtype=np.int64)
    if arcs.size == 0:
        raise InvalidInputError("a closure must cover at least one road arc", zh="道路封闭必须至少覆盖一个路段")
    table = DEFAULT_RULES if rules is None else rules
    grades, counts = np.unique(net.grade[arcs].astype(str), return_counts=True)
    reasons = []
    worst, worst_grade = "allowed", None
    for grade, count in sorted(
        zip(grades.tolist(), counts.tolist()), key=lambda gc: GRADES.index(gc[0]) if gc[0] in GRADES else 99
    ):
        rule = table.get((grade, mode))
        if rule is None:
            raise InvalidInputError(
                f"the rules table has no rule for grade {grade!r} and mode {mode!r}",
                zh=f"规则表中没有道路等级 {grade!r}、封闭方式 {mode!r} 的规则",
            )
        reasons.append(
            _with_zh(
                {"rule": rule.id, "decision": rule.decision, "grade": grade, "arcs": int(count), "text": rule.reason}
            )
        )
        if worst_grade is None or _strictness(rule.decision) > _strictness(worst):
            worst, worst_grade = rule.decision, grade
    touched = undirected(net, arcs)
    hit = sorted(cid for cid, carcs in (green_channels or {}).items() if np.isin(carcs, touched).any())
    if hit:
        before = worst
        if worst in ("allowed", "needs_city_approval"):
            worst = DECISIONS[_strictness(worst) + 1]
        reasons.append(
            _with_zh(
                {
                    "rule": "green_channel/escalate",
                    "decision": worst,
                    "green_channels": hit,
                    "text": Text(
                        f"touches protected green channel(s) {', '.join(hit)}: escalated from {before} to {worst}",
                        zh=f"涉及受保护的绿色通道 {'、'.join(hit)}：由{DECISION_ZH[before]}升级为{DECISION_ZH[worst]}",
                    )
                    if worst != before
                    else Text(
                        f"touches protected green channel(s) {', '.join(hit)}; already at {worst}",
                        zh=f"涉及受保护的绿色通道 {'、'.join(hit)}；已是{DECISION_ZH[worst]}",
                    ),
                }
            )
        )
    blocking = [
        {
            "rule": "impact/whitelist_cut",
            "enterprise": e["id"],
            "text": Text(
                f"cuts whitelist enterprise {e.get('name') or e['id']} ({e['id']}) off from every hub",
                zh=f"使白名单企业 {e.get('name') or e['id']}（{e['id']}）与所有枢纽断开",
            ),
        }
        for e in cut_enterprises
    ]
    blocking += [
        {
            "rule": "impact/hub_cut",
            "hub": h["id"],
            "text": Text(
                f"cuts hub {h.get('name') or h['id']} ({h['id']}) off from {h['lost_hubs']} hub(s) and "
                f"{h['lost_sample_nodes']} sampled road node(s), in one direction or both",
                zh=f"使枢纽 {h.get('name') or h['id']}（{h['id']}）在单向或双向上与 {h['lost_hubs']} 个枢纽和 "
                f"{h['lost_sample_nodes']} 个抽样路网节点断开",
            ),
        }
        for h in hubs_cut_off
    ]
    if bridge is not None and bridge.get("nodes_stranded_beyond"):
        blocking.append(
            {
                "rule": "impact/nodes_stranded",
                "nodes": int(bridge["nodes_stranded_beyond"]),
                "text": Text(
                    f"strands {bridge['nodes_stranded_beyond']} road node(s) beyond the closure on the "
                    f"one-way-aware truck network ({bridge.get('nodes_cannot_leave', 0)} can no longer be left, "
                    f"{bridge.get('nodes_cannot_be_reached', 0)} can no longer be reached)",
                    zh=f"在考虑单行道的货车路网上，使封闭点以外的 {bridge['nodes_stranded_beyond']} 个路网节点被困"
                    f"（{bridge.get('nodes_cannot_leave', 0)} 个无法驶出，{bridge.get('nodes_cannot_be_reached', 0)} 个无法到达）",
                ),
            }
        )
    return Decision(worst, worst_grade, APPROVER_LEVEL[worst], reasons, [_with_zh(b) for b in blocking])


# ----------------------------------------------------------------------------------
# Graph structure: does removing the closed arcs strand anything (one-way roads one way)?
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stranding:
    """What closing arcs does to the directed truck graph (see :func:`strands`).

    ``cannot_leave``: nodes that no longer reach the rest of their strongly
    connected component (its largest piece after the closure);
    ``cannot_be_reached``: nodes that the rest no longer reaches.  Both are
    sorted node ids; ``blocked_arcs`` counts the usable arcs the closure removes;
    ``beyond`` the stranded nodes that are not on the closed stretch itself.
    """

    cannot_leave: np.ndarray
    cannot_be_reached: np.ndarray
    blocked_arcs: int
    #: stranded nodes off the closed stretch (with an open road at them): what lies beyond the closure
    beyond: int = 0

    @property
    def nodes_cut_off(self) -> np.ndarray:
        """The nodes stranded either way (sorted)."""
        return np.union1d(self.cannot_leave, self.cannot_be_reached)

    @property
    def is_bridge(self) -> bool:
        """Whether the closure strands any node."""
        return bool(self.cannot_leave.size or self.cannot_be_reached.size)

    def to_dict(self) -> dict:
        return {
            "is_bridge": self.is_bridge,
            "nodes_cut_off": int(self.nodes_cut_off.size),
            "nodes_cannot_leave": int(self.cannot_leave.size),
            "nodes_cannot_be_reached": int(self.cannot_be_reached.size),
            "nodes_stranded_beyond": self.beyond,
            "blocked_arcs": self.blocked_arcs,
        }


def strands(node_count: int, tail: np.ndarray, head: np.ndarray, usable: np.ndarray, closed: np.ndarray) -> Stranding:
    """The nodes that closing ``closed`` arcs strands on the directed graph of ``usable`` arcs, both ways.

    One-way roads count as one-way: for every strongly connected component
    that held a closed arc, the nodes of it that can no longer reach its
    largest remaining strong piece (they cannot leave) and those that piece no
    longer reaches (they cannot be reached).  Closing one bore of a one-way
    pair strands what lies beyond it even though the road is still there in
    the other direction.  ``beyond`` leaves out the nodes on the closed stretch
    itself (every usable arc at them closed): the closed road, not what lies
    beyond it.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order

    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    use = np.asarray(usable, dtype=bool)
    mask = np.zeros(tail.size, dtype=bool)
    mask[np.asarray(closed, dtype=np.int64)] = True
    blocked = mask & use
    empty = np.zeros(0, dtype=np.int64)
    if not blocked.any():
        return Stranding(empty, empty, 0)
    keep = use & ~mask
    before = component_labels(node_count, tail, head, use)
    after = component_labels(node_count, tail, head, keep)
    ones = np.ones(int(keep.sum()), dtype=np.int8)
    fwd = coo_matrix((ones, (tail[keep], head[keep])), shape=(node_count, node_count)).tocsr()
    rev = fwd.T.tocsr()
    cannot_leave, cannot_be_reached = [], []
    comps = np.unique(before[np.concatenate([tail[blocked], head[blocked]])])
    for comp in comps.tolist():
        members = np.nonzero(before == comp)[0]
        if members.size < 2:
            continue
        pieces, sizes = np.unique(after[members], return_counts=True)
        if pieces.size == 1:
            continue
        # the largest piece (of equal ones, the one holding the smallest node id) is the rest of the network
        rep = int(members[np.isin(after[members], pieces[sizes == sizes.max()])][0])
        reached = np.zeros(node_count, dtype=bool)
        reached[breadth_first_order(fwd, rep, directed=True, return_predecessors=False)] = True
        reaches = np.zeros(node_count, dtype=bool)
        reaches[breadth_first_order(rev, rep, directed=True, return_predecessors=False)] = True
        cannot_be_reached.append(members[~reached[members]])
        cannot_leave.append(members[~reaches[members]])

    # nodes on the closed stretch itself (every usable arc at them closed) are the closed road, not stranded
    off_road = np.zeros(node_count, dtype=bool)
    off_road[tail[keep]] = True
    off_road[head[keep]] = True

    def joined(parts: list[np.ndarray]) -> np.ndarray:
        return np.sort(np.concatenate(parts)) if parts else empty

    leave, unreached = joined(cannot_leave), joined(cannot_be_reached)
    beyond = np.union1d(leave, unreached)
    return Stranding(leave, unreached, int(blocked.sum()), int(off_road[beyond].sum()))


# ----------------------------------------------------------------------------------
# Impact
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    """A site on the network: ``node`` is the network node it is reached at."""

    id: str
    name: str
    node: int


@dataclass(frozen=True)
class Corridor:
    """A stored route, pass corridor or green channel: its arc ids in driving order."""

    id: str
    kind: str  # "green_channel", "route", "pass"
    arcs: np.ndarray
    travel_time_s: float | None = None
    name: str = ""


def place_node(net: RoadNetwork, lon: float, lat: float, *, max_snap_m: float = 500.0) -> int:
    """The network node a site at ``(lon, lat)`` is reached at: the nearer end of its snapped segment."""
    snap = net.snap(lon, lat, max_snap_m=max_snap_m, field_name="site")
    return int(net.tail[snap.arc] if snap.fraction < 0.5 else net.head[snap.arc])


def od_sample(net: RoadNetwork, usable: np.ndarray, *, n: int = 20, seed: int = 0) -> np.ndarray:
    """A fixed seeded sample of ``n`` nodes with usable arcs in and out (used as ``n x n`` OD pairs)."""
    has_out = np.zeros(net.node_count, dtype=bool)
    has_in = np.zeros(net.node_count, dtype=bool)
    has_out[net.tail[usable]] = True
    has_in[net.head[usable]] = True
    nodes = np.nonzero(has_out & has_in)[0]
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(nodes, size=min(n, nodes.size), replace=False))


def _s(cost: float) -> float | None:
    return None if not np.isfinite(cost) else round(float(cost) * WEIGHT_UNIT_S, 1)


def analyse_impact(
    net: RoadNetwork,
    before: Engine,
    after: Engine,
    closed: np.ndarray,
    *,
    enterprises: Sequence[Place] = (),
    hubs: Sequence[Place] = (),
    green_channels: Sequence[Corridor] = (),
    corridors: Sequence[Corridor] = (),
    od_nodes: np.ndarray | None = None,
    seed: int = 0,
    notes: Sequence[str] = (),
) -> dict:
    """The impact of a closure, comparing two engines (without and with the closure).

    ``before`` and ``after`` must be engines nobody else is using (a fork or a
    :class:`~routing.router.MetricPool` role); they are only queried. Times are
    seconds of truck travel time.

    Returns a dict with ``cut_enterprises`` (whitelist enterprises no longer
    reachable, to or from, from their nearest hub; ``from_any_hub`` says
    whether another hub still reaches them), ``hubs_cut_off`` (hubs that lose
    a connection to another hub or a sampled node), ``green_channels``
    (touched channels, new time and detour), ``corridors`` (stored routes and
    passes using the closed arcs, with their new time), ``bridge``,
    ``od_sample`` and ``notes``.
    """
    closed = np.asarray(closed, dtype=np.int64)
    closed_set = np.zeros(net.arc_count, dtype=bool)
    closed_set[closed] = True
    usable = before.weights != FORBIDDEN
    out: dict = {"closed_arcs": int(closed.size), "notes": list(notes)}

    # -- whitelist enterprises and hubs ------------------------------------------
    cut_enterprises: list[dict] = []
    hubs_cut: list[dict] = []
    sample = od_sample(net, usable, seed=seed) if od_nodes is None else np.asarray(od_nodes, dtype=np.int64)
    if hubs and enterprises:
        hn = [h.node for h in hubs]
        en = [e.node for e in enterprises]
        b_to = before.matrix(hn, en)
        a_to = after.matrix(hn, en)
        b_from = before.matrix(en, hn)
        a_from = after.matrix(en, hn)
        b_round = b_to + b_from.T
        a_round = a_to + a_from.T
        for j, e in enumerate(enterprises):
            if not np.isfinite(b_round[:, j]).any():
                continue
            i = int(np.argmin(b_round[:, j]))
            if not np.isfinite(a_round[i, j]):
                any_hub = bool(np.isfinite(a_round[:, j]).any())
                cut_enterprises.append(
                    {
                        "id": e.id,
                        "name": e.name,
                        "nearest_hub": hubs[i].id,
                        "before_s": _s(b_to[i, j]),
                        "from_any_hub": any_hub,
                        "lost": [
                            k
                            for k, lost in (
                                ("to", not np.isfinite(a_to[i, j])),
                                ("from", not np.isfinite(a_from[j, i])),
                            )
                            if lost
                        ],
                    }
                )
    elif enterprises:
        out["notes"].append(
            Text(
                "no hubs are stored: whitelist enterprises' access was not checked",
                zh="没有登记枢纽：未检查白名单企业的通达情况",
            )
        )
    if hubs:
        hub_nodes = np.array([h.node for h in hubs], dtype=np.int64)
        ref = np.concatenate([hub_nodes, sample])
        b1, a1 = before.matrix(hub_nodes, ref), after.matrix(hub_nodes, ref)
        b2, a2 = before.matrix(ref, hub_nodes), after.matrix(ref, hub_nodes)
        for i, h in enumerate(hubs):
            lost = (np.isfinite(b1[i]) & ~np.isfinite(a1[i])) | (np.isfinite(b2[:, i]) & ~np.isfinite(a2[:, i]))
            if lost.any():
                hubs_cut.append(
                    {
                        "id": h.id,
                        "name": h.name,
                        "lost_hubs": int(lost[: hub_nodes.size].sum()),
                        "lost_sample_nodes": int(lost[hub_nodes.size :].sum()),
                    }
                )
    out["cut_enterprises"] = [e for e in cut_enterprises if not e["from_any_hub"]]
    out["enterprises_losing_nearest_hub"] = cut_enterprises
    out["hubs_cut_off"] = hubs_cut

    # -- corridors: green channels, stored routes, passes --------------------------
    def corridor_rows(items: Sequence[Corridor]) -> list[dict]:
        hit = [c for c in items if c.arcs.size and closed_set[c.arcs].any()]
        if not hit:
            return []
        src = [int(net.tail[c.arcs[0]]) for c in hit]
        dst = [int(net.head[c.arcs[-1]]) for c in hit]
        us, si = np.unique(src, return_inverse=True)
        ud, di = np.unique(dst, return_inverse=True)
        bm, am = before.matrix(us, ud), after.matrix(us, ud)
        rows = []
        for k, c in enumerate(hit):
            b, a = bm[si[k], di[k]], am[si[k], di[k]]
            delta = (a - b) * WEIGHT_UNIT_S if np.isfinite(a) and np.isfinite(b) else None
            old = c.travel_time_s
            rows.append(
                {
                    "id": c.id,
                    "kind": c.kind,
                    "name": c.name,
                    "closed_arcs_used": int(closed_set[c.arcs].sum()),
                    "travel_time_s": None if old is None else round(float(old), 1),
                    "new_travel_time_s": None if delta is None or old is None else round(float(old) + delta, 1),
                    "detour_s": None if delta is None else round(float(delta), 1),
                    "severed": not np.isfinite(a),
                }
            )
        return rows

    out["green_channels"] = corridor_rows(green_channels)
    out["corridors"] = corridor_rows(corridors)

    # -- bridge -------------------------------------------------------------------
    blocked = closed[np.asarray(after.weights)[closed] == FORBIDDEN]  # a checkpoint or lane closes nothing
    out["bridge"] = strands(net.node_count, net.tail, net.head, usable, blocked).to_dict()

    # -- OD sample ----------------------------------------------------------------
    bm, am = before.matrix(sample, sample), after.matrix(sample, sample)
    ok = np.isfinite(bm) & ~np.eye(sample.size, dtype=bool)
    both = ok & np.isfinite(am)
    inc = (am[both] - bm[both]) * WEIGHT_UNIT_S
    out["od_sample"] = {
        "seed": seed,
        "nodes": int(sample.size),
        "pairs": int(ok.sum()),
        "pairs_slower": int((inc > 0).sum()),
        "pairs_unreachable": int((ok & ~np.isfinite(am)).sum()),
        "total_increase_s": round(float(inc.sum()), 1),
        "mean_increase_s": round(float(inc.mean()), 2) if inc.size else 0.0,
        "max_increase_s": round(float(inc.max()), 1) if inc.size else 0.0,
    }
    out["notes_zh"] = [getattr(n, "zh", n) for n in out["notes"]]  # stored beside the English
    return out
