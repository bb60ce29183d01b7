"""routing.cch_cache: the hierarchy and customised metrics saved beside a network and read back by the
next start -- the same answers as a hierarchy built and customised afresh, damaged or foreign entries
rejected (and rebuilt), never trusted."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from routing import _cch, cch_cache
from routing.cch_cache import MetricStore, load_hierarchy, save_hierarchy, weights_digest
from routing.engine import FORBIDDEN, CCHEngine, ScipyEngine, build_topology, prepare_metric
from routing.ordering import degree_order


def _graph(seed: int, n: int = 80, m: int = 260):
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    keep = tail != head
    tail, head = tail[keep], head[keep]
    # a few parallel arcs (the hierarchy's "extra" input arcs) and both directions of some arcs
    tail = np.concatenate([tail, tail[:10], head[10:30]])
    head = np.concatenate([head, head[:10], tail[10:30]])
    w = rng.integers(1, 60, tail.size)
    return n, tail.astype(np.int64), head.astype(np.int64), w.astype(np.int64)


def _distances(metric, pairs):
    q = _cch.CCHQuery(metric)
    out = []
    for s, t in pairs:
        r = q.run(s, t)
        out.append((r.distance, r.arc_path))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_hierarchy_from_its_arrays_answers_as_the_built_one(seed):
    n, tail, head, w = _graph(seed)
    built = _cch.CCH(degree_order(tail, head, n), tail, head, False)
    arrays = built.to_arrays()
    again = _cch.CCH.from_arrays(arrays)
    assert (again.node_count, again.arc_count, again.cch_arc_count) == (n, tail.size, built.cch_arc_count)
    for name, a in again.to_arrays().items():
        assert np.array_equal(a, arrays[name]), name
    m1, m2 = _cch.CCHMetric(built, w), _cch.CCHMetric(again, w)
    assert all(np.array_equal(a, b) for a, b in zip(m1.customized(), m2.customized()))
    rng = np.random.default_rng(seed + 100)
    pairs = [tuple(p) for p in rng.integers(0, n, (150, 2)).tolist()]
    assert _distances(m1, pairs) == _distances(m2, pairs)


@pytest.mark.parametrize(
    "damage",
    [
        ("up_head", lambda a: a.__setitem__(0, 10**9), "up_head"),
        ("rank", lambda a: a.__setitem__(slice(0, 2), a[1::-1].copy()), "rank"),
        ("up_first_out", lambda a: a.__setitem__(-1, a[-1] + 1), "up_first_out"),
        ("down_to_up", lambda a: a.__setitem__(0, 10**8), "down_to_up"),
        ("input_arc_to_cch_arc", lambda a: a.__setitem__(3, 10**8), "input_arc_to_cch_arc"),
        ("forward_input_arc_of_cch", lambda a: a.__setitem__(0, 10**8), "forward_input_arc_of_cch"),
    ],
    ids=lambda d: d[0],
)
def test_inconsistent_arrays_are_refused_not_used(damage):
    name, change, word = damage
    n, tail, head, _w = _graph(1)
    arrays = {k: v.copy() for k, v in _cch.CCH(degree_order(tail, head, n), tail, head, False).to_arrays().items()}
    change(arrays[name])
    with pytest.raises(ValueError, match=word):
        _cch.CCH.from_arrays(arrays)


def test_missing_or_misshapen_arrays_are_refused():
    n, tail, head, _w = _graph(2)
    arrays = _cch.CCH(degree_order(tail, head, n), tail, head, False).to_arrays()
    with pytest.raises(ValueError, match="lacks `rank`"):
        _cch.CCH.from_arrays({k: v for k, v in arrays.items() if k != "rank"})
    short = dict(arrays, is_input_arc_upward=arrays["is_input_arc_upward"][:-1])
    with pytest.raises(ValueError, match="is_input_arc_upward"):
        _cch.CCH.from_arrays(short)
    with pytest.raises(ValueError, match="bit_sizes"):
        _cch.CCH.from_arrays(dict(arrays, bit_sizes=np.array([1, 2], dtype=np.uint64)))


def _scipy_pairs(engine, reference, pairs):
    return [(engine.distance(s, t), reference.distance(s, t)) for s, t in pairs]


def test_the_second_start_reads_the_hierarchy_and_the_base_metric(tmp_path, caplog, monkeypatch):
    n, tail, head, w = _graph(3, n=120, m=420)
    CCHEngine(tail, head, n, w, topology_dir=tmp_path)
    assert (tmp_path / "cch" / "hierarchy" / "manifest.json").is_file()
    assert (tmp_path / "cch" / "metrics" / weights_digest(w) / "manifest.json").is_file()

    customised = []
    real = _cch.CCHMetric

    class Counting:
        """routing._cch.CCHMetric, counting the customisations (from_customized is not one)."""

        def __new__(cls, cch, weights):
            customised.append(1)
            return real(cch, weights)

        from_customized = staticmethod(real.from_customized)

    with caplog.at_level(logging.INFO, logger="routing.engine"), monkeypatch.context() as patched:
        patched.setattr(_cch, "CCHMetric", Counting)  # the module routing.engine calls as `rk`
        second = CCHEngine(tail, head, n, w, topology_dir=tmp_path)
    assert customised == []  # the metric was not customised
    assert any(r.getMessage().startswith("read CCH") for r in caplog.records)
    reference = ScipyEngine(tail, head, n, w)
    rng = np.random.default_rng(3)
    pairs = [tuple(p) for p in rng.integers(0, n, (200, 2)).tolist()]
    for got, want in _scipy_pairs(second, reference, pairs):
        assert got == want
    # a weight change on the metric read from the cache is a partial update as before
    second.forbid([0, 1, 2])
    w2 = w.copy()
    w2[[0, 1, 2]] = FORBIDDEN
    reference = ScipyEngine(tail, head, n, w2)
    for got, want in _scipy_pairs(second, reference, pairs):
        assert got == want


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_hierarchy_or_metric_is_rebuilt_and_the_answers_stay_right(tmp_path, caplog):
    n, tail, head, w = _graph(4, n=120, m=420)
    CCHEngine(tail, head, n, w, topology_dir=tmp_path)
    _flip_a_byte(tmp_path / "cch" / "hierarchy" / "up_head.npy")
    metric_dir = tmp_path / "cch" / "metrics" / weights_digest(w)
    _flip_a_byte(metric_dir / "forward.npy")
    with caplog.at_level(logging.WARNING):
        engine = CCHEngine(tail, head, n, w, topology_dir=tmp_path)
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "hierarchy" in messages and "damaged" in messages
    reference = ScipyEngine(tail, head, n, w)
    rng = np.random.default_rng(4)
    pairs = [tuple(p) for p in rng.integers(0, n, (200, 2)).tolist()]
    for got, want in _scipy_pairs(engine, reference, pairs):
        assert got == want
    # both entries were written again, whole: the next start reads them
    assert load_hierarchy(tmp_path, engine.topology.metrics.key) is not None
    assert MetricStore(tmp_path, engine.topology.metrics.key).get(weights_digest(w)) is not None


def test_an_entry_made_for_other_arcs_is_ignored(tmp_path):
    n, tail, head, w = _graph(5)
    cch = _cch.CCH(degree_order(tail, head, n), tail, head, False)
    save_hierarchy(tmp_path, cch, "key-of-another-network")
    assert load_hierarchy(tmp_path, "key-of-another-network") is not None
    assert load_hierarchy(tmp_path, "this-network") is None
    manifest = tmp_path / "cch" / "hierarchy" / "manifest.json"
    meta = json.loads(manifest.read_text())
    meta["version"] = cch_cache.CACHE_VERSION + 1
    manifest.write_text(json.dumps(meta))
    assert load_hierarchy(tmp_path, "key-of-another-network") is None


def test_only_kept_weights_are_saved_and_old_entries_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(cch_cache, "MAX_SAVED_METRICS", 3)
    n, tail, head, w = _graph(6)
    topology = build_topology(tail, head, n, topology_dir=tmp_path)
    metrics = tmp_path / "cch" / "metrics"
    engine = CCHEngine(tail, head, n, w, topology=topology)
    assert not metrics.exists()  # the topology was given: nothing kept, nothing written
    engine.forbid(np.arange(tail.size // 2))  # a full customisation of weights nobody kept
    assert not metrics.exists()
    digests = []
    for k in range(5):
        wk = w + k
        assert prepare_metric(topology, wk) is True
        assert prepare_metric(topology, wk) is False  # saved already
        digests.append(weights_digest(wk))
    on_disk = {p.name for p in metrics.iterdir()}
    assert len(on_disk) == 3 and on_disk <= set(digests)


def test_a_router_keeps_the_truck_metric_for_the_next_start(tmp_path, monaco_network):
    from routing.router import Router, truck_weights

    router = Router(monaco_network, cache_dir=tmp_path)
    lon, lat = monaco_network.node_lon, monaco_network.node_lat
    router.route([float(lon[0]), float(lat[0])], [float(lon[-1]), float(lat[-1])])
    saved = {p.name for p in (tmp_path / "cch" / "metrics").iterdir()}
    assert saved == {weights_digest(monaco_network.base_weights), weights_digest(truck_weights(monaco_network))}
