"""Closure rules, matching, bridges and impact, on tiny graphs and the real Monaco / Andorra extracts."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from geo.errors import InvalidInputError, OffNetworkError
from routing import closures as C
from routing.engine import FORBIDDEN
from routing.network import WEIGHT_UNIT_S

P, CITY, OK, NO = "needs_provincial_approval", "needs_city_approval", "allowed", "rejected"
#: The policy, written out independently of DEFAULT_RULES: grade -> (hard_barrier, checkpoint, lane).
POLICY = {
    "expressway": (P, P, P),
    "national": (P, P, P),
    "provincial": (P, P, P),
    "county": (NO, OK, CITY),
    "township": (NO, OK, CITY),
    "village": (NO, OK, CITY),
    "urban": (CITY, OK, OK),
}


def way_of(net, *, grade=None, ref=None, highway=None) -> int:
    mask = np.ones(net.arc_count, dtype=bool)
    if grade is not None:
        mask &= net.grade.astype(str) == grade
    if ref is not None:
        mask &= net.ref.astype(str) == ref
    if highway is not None:
        mask &= net.highway.astype(str) == highway
    ways, counts = np.unique(net.osm_way_id[mask], return_counts=True)
    assert ways.size, f"no way with grade={grade} ref={ref} highway={highway}"
    return int(ways[np.argmax(counts)])


# real roads per grade: (fixture, selector)
ROADS = {
    "expressway": ("monaco_network", {"ref": "A 500"}),  # A8 itself is cut off by the extract; its A 500 link stays
    "national": ("andorra_network", {"ref": "CG-2a", "highway": "trunk"}),
    "provincial": ("andorra_network", {"ref": "CG-2", "grade": "provincial"}),
    "county": ("andorra_network", {"ref": "CS-101", "grade": "county"}),
    "township": ("andorra_network", {"ref": "CS-230"}),
    "village": ("monaco_network", {"grade": "village"}),
    "urban": ("andorra_network", {"grade": "urban", "highway": "residential"}),
}


@pytest.mark.parametrize("grade", list(POLICY))
@pytest.mark.parametrize("k, mode", list(enumerate(C.MODES)))
def test_each_rule_on_real_roads(request, grade, k, mode):
    fixture, selector = ROADS[grade]
    net = request.getfixturevalue(fixture)
    match = C.match_ways(net, [way_of(net, **selector)])
    assert set(net.grade[match.arcs].tolist()) == {grade}
    d = C.decide(net, match.arcs, mode)
    assert d.decision == POLICY[grade][k]
    assert d.grade == grade and d.rule_ids == [f"{grade}/{mode}"]
    assert d.approval_level == {P: "province", CITY: "city"}.get(d.decision)


def test_monaco_d_roads_and_expressway(monaco_network):
    net = monaco_network
    d6007 = C.match_ways(net, [way_of(net, ref="D 6007")])
    assert d6007.roads[0]["ref"] == "D 6007" and d6007.roads[0]["grade"] == "provincial"
    assert C.decide(net, d6007.arcs, "checkpoint").decision == P
    d37 = C.match_ways(net, [way_of(net, ref="D 37")])
    assert C.decide(net, d37.arcs, "hard_barrier").decision == NO
    assert C.decide(net, d37.arcs, "checkpoint").decision == OK
    motorway = C.match_ways(net, [way_of(net, grade="expressway")])
    assert C.decide(net, motorway.arcs, "lane").decision == P


def test_strictest_over_all_arcs_lists_every_rule(andorra_network):
    net = andorra_network
    arcs = C.match_ways(
        net, [way_of(net, ref="CS-101", grade="county"), way_of(net, ref="CG-2", grade="provincial")]
    ).arcs
    d = C.decide(net, arcs, "hard_barrier")
    assert d.decision == NO and d.grade == "county"
    assert d.rule_ids == ["provincial/hard_barrier", "county/hard_barrier"]
    d = C.decide(net, arcs, "checkpoint")
    assert d.decision == P and d.grade == "provincial"


def test_green_channel_escalates_one_level(andorra_network):
    net = andorra_network
    county = C.match_ways(net, [way_of(net, ref="CS-101", grade="county")]).arcs
    urban = C.match_ways(net, [way_of(net, grade="urban", highway="residential")]).arcs
    prov = C.match_ways(net, [way_of(net, ref="CG-2", grade="provincial")]).arcs
    # the channel uses the opposite direction of one county segment: still "touching"
    channel = {"green-1": net.reverse_arc[county[:1]]}
    assert C.decide(net, county, "checkpoint", green_channels=channel).decision == CITY
    assert C.decide(net, urban, "hard_barrier", green_channels={"g": urban[:1]}).decision == P
    d = C.decide(net, prov, "lane", green_channels={"g": prov})
    assert d.decision == P and d.rule_ids[-1] == "green_channel/escalate"
    assert C.decide(net, county, "hard_barrier", green_channels=channel).decision == NO
    assert C.decide(net, county, "checkpoint", green_channels={"far": urban}).decision == OK


def test_blocking_reason_for_cut_enterprise(andorra_network):
    net = andorra_network
    arcs = C.match_ways(net, [way_of(net, grade="urban", highway="residential")]).arcs
    d = C.decide(net, arcs, "hard_barrier", cut_enterprises=[{"id": "site-1", "name": "Mill"}])
    assert d.decision == CITY
    assert d.blocking[0]["rule"] == "impact/whitelist_cut" and "site-1" in d.blocking[0]["text"]
    assert "impact/whitelist_cut" in d.rule_ids


def test_rules_override_dict_json_yaml(tmp_path, andorra_network):
    net = andorra_network
    arcs = C.match_ways(net, [way_of(net, ref="CS-101", grade="county")]).arcs
    table = C.load_rules({"county": {"hard_barrier": {"decision": CITY, "reason": "local trial"}}})
    d = C.decide(net, arcs, "hard_barrier", rules=table)
    assert d.decision == CITY and d.reasons[0]["text"] == "local trial"
    assert table["urban", "lane"] == C.DEFAULT_RULES["urban", "lane"]  # merged onto the default
    (tmp_path / "rules.json").write_text(json.dumps({"county": {"checkpoint": P}}))
    assert C.decide(net, arcs, "checkpoint", rules=C.load_rules(tmp_path / "rules.json")).decision == P
    (tmp_path / "rules.yaml").write_text("county:\n  lane: rejected\n")
    assert C.decide(net, arcs, "lane", rules=C.load_rules(str(tmp_path / "rules.yaml"))).decision == NO
    for bad in ({"motorway": {"lane": OK}}, {"county": {"wall": OK}}, {"county": {"lane": "maybe"}}):
        with pytest.raises(InvalidInputError):
            C.load_rules(bad)
    with pytest.raises(InvalidInputError, match="could not read"):
        C.load_rules(tmp_path / "missing.json")


# ----------------------------------------------------------------------------------
def test_match_line_follows_the_road_and_direction(andorra_network):
    net = andorra_network
    way = way_of(net, ref="CS-340")
    chain = C.chains(net, net.arcs_of_way(way))[0][3:13]  # away from the roundabout at its start
    line = net.path_coords(chain)
    fwd = C.match_line(net, line, "forward")
    expected = [
        int(np.nonzero((net.tail == u) & (net.head == v) & (net.osm_way_id == way))[0][0])
        for u, v in zip(chain[:-1], chain[1:])
    ]
    assert sorted(fwd.arcs.tolist()) == sorted(expected)
    assert fwd.roads[0]["ref"] == "CS-340" and fwd.roads[0]["way_id"] == way
    bwd = C.match_line(net, line, "backward")
    assert sorted(bwd.arcs.tolist()) == sorted(net.reverse_arc[expected].tolist())
    both = C.match_line(net, line, "both")
    assert sorted(both.arcs.tolist()) == sorted(expected + net.reverse_arc[expected].tolist())
    # drawn a few metres off the road it still matches
    off = [[lon + 0.00004, lat] for lon, lat in line]
    assert set(C.match_line(net, off, "forward").arcs.tolist()) == set(expected)


def test_match_line_far_from_road_and_point(andorra_network):
    net = andorra_network
    with pytest.raises(OffNetworkError, match="from the nearest road"):
        C.match_line(net, [[1.0, 42.0], [1.01, 42.01]])
    with pytest.raises(InvalidInputError):
        C.match_line(net, [[1.52, 42.5]])
    a = int(C.match_ways(net, [way_of(net, ref="CS-101", grade="county")]).arcs[0])
    lon = float((net.node_lon[net.tail[a]] + net.node_lon[net.head[a]]) / 2)
    lat = float((net.node_lat[net.tail[a]] + net.node_lat[net.head[a]]) / 2)
    m = C.match_point(net, lon, lat, "both")
    assert set(m.arcs.tolist()) == {a, int(net.reverse_arc[a])} - {-1}
    with pytest.raises(InvalidInputError):
        C.match_ways(net, [1])
    with pytest.raises(InvalidInputError):
        C.match_ways(net, [way_of(net, ref="CS-101")], "sideways")


def test_one_way_way_directions(andorra_network):
    net = andorra_network
    oneway = np.nonzero(net.oneway & (net.grade.astype(str) == "provincial"))[0]
    way = int(net.osm_way_id[oneway[0]])
    assert C.match_ways(net, [way], "forward").arcs.size == net.arcs_of_way(way).size
    with pytest.raises(InvalidInputError, match="no arc in direction"):
        C.match_ways(net, [way], "backward")


def test_closure_weights_modes(andorra_network):
    net = andorra_network
    arcs = C.match_ways(net, [way_of(net, ref="CS-340")], "forward").arcs
    base = net.base_weights
    hard = C.closure_weights(net, base, arcs, "hard_barrier")
    assert (hard[arcs] == FORBIDDEN).all() and (np.delete(hard, arcs) == np.delete(base, arcs)).all()
    lane = C.closure_weights(net, base, arcs, "lane")
    assert (lane[arcs] == np.rint(base[arcs] * C.LANE_FACTOR)).all()
    check = C.closure_weights(net, base, arcs, "checkpoint")
    bumped = np.nonzero(check != base)[0]
    assert bumped.size == 1  # one entry into a single chain
    assert check[bumped[0]] - base[bumped[0]] == C.CHECKPOINT_DELAY_S / WEIGHT_UNIT_S


# ----------------------------------------------------------------------------------
def _nx_stranded(n: int, tail, head, usable, closed) -> tuple[set[int], set[int]]:
    """networkx reference of :func:`strands`: per strong component holding a closed arc, the nodes that no
    longer reach / are no longer reached from its largest strong piece after the closure."""
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from((int(t), int(h)) for t, h, u in zip(tail, head, usable) if u)
    H = nx.DiGraph()
    H.add_nodes_from(range(n))
    shut = set(np.asarray(closed).tolist())
    H.add_edges_from((int(t), int(h)) for k, (t, h, u) in enumerate(zip(tail, head, usable)) if u and k not in shut)
    ends = {int(tail[k]) for k in shut if usable[k]} | {int(head[k]) for k in shut if usable[k]}
    leave, reached = set(), set()
    for comp in nx.strongly_connected_components(G):
        if not comp & ends or len(comp) < 2:
            continue
        pieces = [c & comp for c in nx.strongly_connected_components(H) if c & comp]
        if len(pieces) == 1:
            continue
        rep = min(min(c) for c in pieces if len(c) == max(map(len, pieces)))
        leave |= comp - nx.ancestors(H, rep) - {rep}
        reached |= comp - nx.descendants(H, rep) - {rep}
    return leave, reached


def test_a_barrier_on_one_bore_of_a_one_way_pair_strands_what_lies_beyond():
    # a two-way triangle 0-1-2; a district 3, 4 entered one-way 2 -> 3 and left one-way 4 -> 2
    tail = np.array([0, 1, 1, 2, 2, 0, 2, 3, 4])
    head = np.array([1, 0, 2, 1, 0, 2, 3, 4, 2])
    usable = np.ones(tail.size, dtype=bool)
    out = C.strands(5, tail, head, usable, np.array([8]))  # close the way out, 4 -> 2
    assert out.cannot_leave.tolist() == [3, 4] and out.cannot_be_reached.tolist() == []
    assert out.is_bridge and out.nodes_cut_off.tolist() == [3, 4]
    assert out.to_dict() == {
        "is_bridge": True,
        "nodes_cut_off": 2,
        "nodes_cannot_leave": 2,
        "nodes_cannot_be_reached": 0,
        "nodes_stranded_beyond": 2,
        "blocked_arcs": 1,
    }
    way_in = C.strands(5, tail, head, usable, np.array([6]))  # close the way in, 2 -> 3
    assert way_in.cannot_be_reached.tolist() == [3, 4] and way_in.cannot_leave.tolist() == []
    # closing one direction of the two-way triangle strands nothing
    assert not C.strands(5, tail, head, usable, np.array([0])).is_bridge
    # the stranded nodes are a blocking reason, named in the decision before anyone approves
    bridge = out.to_dict()
    decision = C.decide(_one_grade_network(), np.array([0]), "hard_barrier", bridge=bridge)
    assert [b["rule"] for b in decision.blocking] == ["impact/nodes_stranded"]
    assert "2 road node(s)" in decision.blocking[0]["text"]
    hub = {"id": "hub-1", "name": "站", "lost_hubs": 0, "lost_sample_nodes": 3}
    decision = C.decide(_one_grade_network(), np.array([0]), "hard_barrier", hubs_cut_off=[hub])
    assert [b["rule"] for b in decision.blocking] == ["impact/hub_cut"] and "hub-1" in decision.blocking[0]["text"]


def _one_grade_network():
    from tests.routing.test_router import LINE, tiny_network

    return tiny_network(LINE, [{"u": 0, "v": 1}, {"u": 1, "v": 2}, {"u": 2, "v": 3}])


@pytest.mark.parametrize("seed", range(40))
def test_stranding_matches_networkx_on_random_directed_graphs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 30))
    m = int(rng.integers(n, 3 * n))
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    usable = rng.random(m) > 0.1
    for _ in range(5):
        closed = rng.choice(m, int(rng.integers(1, 4)), replace=False)
        out = C.strands(n, tail, head, usable, closed)
        leave, reached = _nx_stranded(n, tail, head, usable, closed)
        assert set(out.cannot_leave.tolist()) == leave and set(out.cannot_be_reached.tolist()) == reached


def test_one_way_closures_on_real_streets_match_networkx(andorra_router):
    net = andorra_router.network
    usable = andorra_router.truck_weights != FORBIDDEN
    oneway = np.nonzero(usable & (net.reverse_arc < 0))[0]
    rng = np.random.default_rng(5)
    stranding = 0
    for arc in rng.choice(oneway, 25, replace=False):
        out = C.strands(net.node_count, net.tail, net.head, usable, np.array([arc]))
        leave, reached = _nx_stranded(net.node_count, net.tail, net.head, usable, [int(arc)])
        assert set(out.cannot_leave.tolist()) == leave and set(out.cannot_be_reached.tolist()) == reached
        stranding += out.is_bridge
    assert stranding > 0  # some one-way arcs are the only way in or out of somewhere


def test_bridge_on_a_dead_end_street(andorra_router):
    net = andorra_router.network
    usable = andorra_router.truck_weights != FORBIDDEN
    arcs = net.arcs_of_way(6182386)  # Carrer Pau Casals, a dead end in Andorra la Vella
    out = C.strands(net.node_count, net.tail, net.head, usable, arcs)
    assert out.is_bridge and out.nodes_cut_off.size >= 1
    assert out.beyond == 0  # the whole dead end is closed: the stranded nodes are the closed road itself
    # closing only its first segment strands the rest of it, beyond the closure
    junction_arcs = [a for a in arcs if (net.tail == net.tail[a]).sum() > 2 or (net.tail == net.head[a]).sum() > 2]
    first = C.undirected(net, junction_arcs[:1])
    part = C.strands(net.node_count, net.tail, net.head, usable, first)
    assert part.beyond >= 1 and part.beyond == part.nodes_cut_off.size
    G = nx.Graph()
    G.add_edges_from((int(t), int(h)) for t, h, u in zip(net.tail, net.head, usable) if u)
    before = nx.number_connected_components(G)
    G.remove_edges_from((int(net.tail[a]), int(net.head[a])) for a in arcs)
    assert nx.number_connected_components(G) > before


# ----------------------------------------------------------------------------------
class _Reference:
    """networkx shortest-path costs on ``weights`` with ``closed`` arcs removed (inf where unreachable)."""

    def __init__(self, net, weights, closed):
        self.G = nx.DiGraph()
        drop = set(np.asarray(closed).tolist())
        for a, (t, h, w) in enumerate(zip(net.tail.tolist(), net.head.tolist(), weights.tolist())):
            if w == FORBIDDEN or a in drop:
                continue
            if not self.G.has_edge(t, h) or self.G[t][h]["w"] > w:
                self.G.add_edge(t, h, w=w)

    def __call__(self, sources, targets):
        out = np.full((len(sources), len(targets)), np.inf)
        for i, s in enumerate(sources):
            if s not in self.G:
                continue
            lengths = nx.single_source_dijkstra_path_length(self.G, int(s), weight="w")
            for j, t in enumerate(targets):
                if int(t) in lengths:
                    out[i, j] = lengths[int(t)]
        return out


def test_impact_matches_networkx_reference(andorra_router):
    router = andorra_router
    net = router.network
    base = router.truck_weights
    closed = C.match_ways(net, [6182386, way_of(net, ref="CG-2", grade="provincial")]).arcs
    after_w = C.closure_weights(net, base, closed, "hard_barrier")
    before, after = router.base_engine.fork(base), router.base_engine.fork(after_w)
    rng = np.random.default_rng(7)
    usable = base != FORBIDDEN
    nodes = np.unique(net.tail[usable])
    hubs = [C.Place(f"hub-{i}", "hub", int(n)) for i, n in enumerate(rng.choice(nodes, 3, replace=False))]
    leaf = C.place_node(net, 1.5305071, 42.5082785)  # the dead end's far node
    ents = [C.Place("ent-dead-end", "cut", leaf)] + [
        C.Place(f"ent-{i}", "e", int(n)) for i, n in enumerate(rng.choice(nodes, 4, replace=False))
    ]
    # corridors that use the closed arcs: routes through the CG-2 way, plus one that does not
    chain = C.chains(net, closed)[0]
    through = before.route(chain[0], chain[-1])
    assert through is not None and np.isin(through.arcs, closed).any()
    other = before.route(int(nodes[0]), int(nodes[1]))
    corridors = [
        C.Corridor("r-through", "route", np.array(through.arcs), through.cost * WEIGHT_UNIT_S),
        C.Corridor("r-other", "route", np.array(other.arcs), other.cost * WEIGHT_UNIT_S),
    ]
    keep_other = not np.isin(other.arcs, closed).any()
    channel = C.Corridor("g-1", "green_channel", np.array(through.arcs), through.cost * WEIGHT_UNIT_S)
    sample = C.od_sample(net, usable, n=10, seed=3)
    impact = C.analyse_impact(
        net,
        before,
        after,
        closed,
        enterprises=ents,
        hubs=hubs,
        green_channels=[channel],
        corridors=corridors,
        od_nodes=sample,
    )
    ref_before, ref_after = _Reference(net, base, []), _Reference(net, base, closed)
    ref_b, ref_a = ref_before(sample, sample), ref_after(sample, sample)
    ok = np.isfinite(ref_b) & ~np.eye(sample.size, dtype=bool)
    both = ok & np.isfinite(ref_a)
    od = impact["od_sample"]
    assert od["pairs"] == int(ok.sum())
    assert od["pairs_unreachable"] == int((ok & ~np.isfinite(ref_a)).sum())
    assert od["total_increase_s"] == pytest.approx(float((ref_a[both] - ref_b[both]).sum()) * WEIGHT_UNIT_S, abs=0.1)
    assert od["pairs_slower"] == int((ref_a[both] > ref_b[both]).sum())

    # corridor: the new time is the old plus the reference detour
    rb = ref_before([chain[0]], [chain[-1]])[0, 0]
    ra = ref_after([chain[0]], [chain[-1]])[0, 0]
    rows = {r["id"]: r for r in impact["corridors"]}
    assert ("r-other" in rows) is (not keep_other)
    row = rows["r-through"]
    if np.isfinite(ra):
        assert row["detour_s"] == pytest.approx((ra - rb) * WEIGHT_UNIT_S, abs=0.1)
        assert row["new_travel_time_s"] == pytest.approx(
            through.cost * WEIGHT_UNIT_S + (ra - rb) * WEIGHT_UNIT_S, abs=0.2
        )
    else:
        assert row["severed"] and row["new_travel_time_s"] is None
    assert impact["green_channels"][0]["id"] == "g-1"
    assert impact["green_channels"][0]["detour_s"] == row["detour_s"]

    # enterprises: cut off from every hub <=> networkx finds no round trip from any hub
    hn = [h.node for h in hubs]
    en = [e.node for e in ents]
    to_a, from_a = ref_after(hn, en), ref_after(en, hn)
    to_b, from_b = ref_before(hn, en), ref_before(en, hn)
    expected_cut = {
        e.id
        for j, e in enumerate(ents)
        if np.isfinite(to_b[:, j] + from_b[j]).any() and not np.isfinite(to_a[:, j] + from_a[j]).any()
    }
    assert {e["id"] for e in impact["cut_enterprises"]} == expected_cut
    assert "ent-dead-end" in expected_cut
    assert impact["bridge"]["is_bridge"] is True


def test_impact_of_a_checkpoint_is_a_delay_not_a_cut(andorra_router):
    router = andorra_router
    net = router.network
    arcs = C.match_ways(net, [6182386]).arcs
    w = C.closure_weights(net, router.truck_weights, arcs, "checkpoint")
    impact = C.analyse_impact(net, router.base_engine.fork(router.truck_weights), router.base_engine.fork(w), arcs)
    assert impact["bridge"]["is_bridge"] is False
    assert impact["od_sample"]["pairs_unreachable"] == 0
