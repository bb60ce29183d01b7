// Baotong's binding of RoutingKit's customizable contraction hierarchy (routing._cch).
//
// The same Python API as the routingkit-cch wheel's module, so routing/engine.py reads the same
// against either, with three differences that are the reason for this file:
//   * every long native call (building the hierarchy, a full customisation, a partial update,
//     a query, a one-to-many sweep) runs with Python's lock released, so one request's zone
//     change never stalls another thread's requests;
//   * arrays come in as numpy buffers (lists still work) and paths can leave as numpy arrays;
//   * a customised metric's two weight vectors can be read and given back, so a process can
//     start from saved ones instead of customising again.
// Objects are not thread-safe: the engine serialises every use of one metric with its lock.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <routingkit/constants.h>
#include <routingkit/customizable_contraction_hierarchy.h>
#include <routingkit/nested_dissection.h>

#include <algorithm>
#include <cmath>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <unordered_map>
#include <vector>

namespace py = pybind11;
using RoutingKit::CustomizableContractionHierarchy;
using RoutingKit::CustomizableContractionHierarchyMetric;
using RoutingKit::CustomizableContractionHierarchyPartialCustomization;
using RoutingKit::CustomizableContractionHierarchyQuery;
using RoutingKit::inf_weight;

using U32Array = py::array_t<uint32_t, py::array::c_style | py::array::forcecast>;

namespace {

std::vector<unsigned> to_vector(const U32Array &a) {
    if (a.ndim() != 1) throw std::invalid_argument("expected a one-dimensional array, got " + std::to_string(a.ndim()) + " dimensions");
    const uint32_t *p = a.data();
    return std::vector<unsigned>(p, p + a.shape(0));
}

py::array_t<uint32_t> to_array(const std::vector<unsigned> &v) {
    py::array_t<uint32_t> out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

std::optional<uint32_t> distance_or_none(unsigned d) {
    if (d == inf_weight) return std::nullopt;
    return d;
}

std::vector<std::optional<uint32_t>> distances_or_none(const std::vector<unsigned> &v) {
    std::vector<std::optional<uint32_t>> out;
    out.reserve(v.size());
    for (unsigned d : v) out.push_back(distance_or_none(d));
    return out;
}

struct CCH {
    CustomizableContractionHierarchy inner;
    unsigned node_count = 0;
    unsigned arc_count = 0;

    CCH(const U32Array &order, const U32Array &tail, const U32Array &head, bool filter_always_inf_arcs) {
        std::vector<unsigned> o = to_vector(order), t = to_vector(tail), h = to_vector(head);
        if (t.size() != h.size()) throw std::invalid_argument("tail and head must have the same length");
        unsigned n = static_cast<unsigned>(o.size());
        for (size_t i = 0; i < t.size(); ++i)
            if (t[i] >= n || h[i] >= n) throw std::invalid_argument("arc " + std::to_string(i) + " has an end outside the order");
        {
            py::gil_scoped_release release;
            inner = CustomizableContractionHierarchy(std::move(o), std::move(t), std::move(h),
                                                     [](const std::string &) {}, filter_always_inf_arcs);
        }
        node_count = inner.node_count();
        arc_count = inner.input_arc_count();
    }

    // The hierarchy as named arrays (uint32 vectors; bit vectors as uint64 words with their bit counts in
    // "bit_sizes"), for a cache that a later process gives to from_arrays instead of building it again.
    py::dict to_arrays() const {
        py::dict out;
        for (auto &f : vector_fields()) out[f.first] = to_array(inner.*(f.second));
        py::array_t<uint64_t> sizes(3);
        auto s = sizes.mutable_unchecked<1>();
        int i = 0;
        for (auto &f : bit_fields()) {
            const RoutingKit::BitVector &b = inner.*(f.second);
            size_t words = static_cast<size_t>((b.size() + 63) / 64);
            py::array_t<uint64_t> w(static_cast<py::ssize_t>(words));
            if (words) std::copy(b.data(), b.data() + words, w.mutable_data());
            out[f.first] = w;
            s(i++) = b.size();
        }
        out["bit_sizes"] = sizes;
        return out;
    }

    // A hierarchy from to_arrays' arrays: every length and index is checked first (a damaged cache is an
    // error, never undefined behaviour), then the two id mappers are rebuilt from their bit vectors.
    static std::shared_ptr<CCH> from_arrays(const py::dict &arrays) {
        auto c = std::shared_ptr<CCH>(new CCH());
        auto &in = c->inner;
        for (auto &f : vector_fields()) {
            if (!arrays.contains(f.first)) throw std::invalid_argument(std::string("the hierarchy lacks `") + f.first + "`");
            in.*(f.second) = to_vector(arrays[f.first].cast<U32Array>());
        }
        if (!arrays.contains("bit_sizes")) throw std::invalid_argument("the hierarchy lacks `bit_sizes`");
        auto sizes = arrays["bit_sizes"].cast<py::array_t<uint64_t, py::array::c_style | py::array::forcecast>>();
        if (sizes.ndim() != 1 || sizes.shape(0) != 3) throw std::invalid_argument("`bit_sizes` must hold 3 values");
        int i = 0;
        for (auto &f : bit_fields()) {
            if (!arrays.contains(f.first)) throw std::invalid_argument(std::string("the hierarchy lacks `") + f.first + "`");
            auto w = arrays[f.first].cast<py::array_t<uint64_t, py::array::c_style | py::array::forcecast>>();
            uint64_t bits = sizes.at(i++);
            if (w.ndim() != 1 || static_cast<uint64_t>(w.shape(0)) != (bits + 63) / 64)
                throw std::invalid_argument(std::string("`") + f.first + "` does not hold " + std::to_string(bits) + " bits");
            RoutingKit::BitVector b(bits, RoutingKit::BitVector::uninitialized);
            if (bits) std::copy(w.data(), w.data() + w.shape(0), b.data());
            in.*(f.second) = std::move(b);
        }
        {
            py::gil_scoped_release release;
            c->check_and_map();
        }
        c->node_count = in.node_count();
        c->arc_count = in.input_arc_count();
        return c;
    }

  private:
    CCH() = default;

    using VectorField = std::vector<unsigned> CustomizableContractionHierarchy::*;
    using BitField = RoutingKit::BitVector CustomizableContractionHierarchy::*;

    static std::vector<std::pair<const char *, VectorField>> vector_fields() {
        using C = CustomizableContractionHierarchy;
        return {{"order", &C::order},
                {"rank", &C::rank},
                {"elimination_tree_parent", &C::elimination_tree_parent},
                {"up_first_out", &C::up_first_out},
                {"up_head", &C::up_head},
                {"up_tail", &C::up_tail},
                {"down_first_out", &C::down_first_out},
                {"down_head", &C::down_head},
                {"down_to_up", &C::down_to_up},
                {"input_arc_to_cch_arc", &C::input_arc_to_cch_arc},
                {"forward_input_arc_of_cch", &C::forward_input_arc_of_cch},
                {"backward_input_arc_of_cch", &C::backward_input_arc_of_cch},
                {"first_extra_forward_input_arc_of_cch", &C::first_extra_forward_input_arc_of_cch},
                {"first_extra_backward_input_arc_of_cch", &C::first_extra_backward_input_arc_of_cch},
                {"extra_forward_input_arc_of_cch", &C::extra_forward_input_arc_of_cch},
                {"extra_backward_input_arc_of_cch", &C::extra_backward_input_arc_of_cch}};
    }

    static std::vector<std::pair<const char *, BitField>> bit_fields() {
        using C = CustomizableContractionHierarchy;
        return {{"is_input_arc_upward", &C::is_input_arc_upward},
                {"does_cch_arc_have_input_arc", &C::does_cch_arc_have_input_arc},
                {"does_cch_arc_have_extra_input_arc", &C::does_cch_arc_have_extra_input_arc}};
    }

    // the message is built only on failure (these run once per element of arrays of tens of millions)
    static void require(bool ok, const char *name, const char *what) {
        if (!ok) throw std::invalid_argument(std::string("the hierarchy's arrays are inconsistent: ") + name + what);
    }
    static void require(bool ok, const char *what) { require(ok, "", what); }

    static void check_csr(const std::vector<unsigned> &first_out, size_t rows, size_t entries, const char *name) {
        require(first_out.size() == rows + 1, name, " has the wrong length");
        require(first_out.front() == 0 && first_out.back() == entries, name, " does not span its arcs");
        bool sorted = true;
        for (size_t i = 0; i + 1 < first_out.size(); ++i) sorted &= first_out[i] <= first_out[i + 1];
        require(sorted, name, " is not sorted");
    }

    static void check_ids(const std::vector<unsigned> &v, size_t bound, bool invalid_ok, const char *name) {
        bool ok = true;
        for (unsigned x : v) ok &= x < bound || (invalid_ok && x == RoutingKit::invalid_id);
        require(ok, name, " holds an id out of range");
    }

    void check_and_map() {
        auto &in = inner;
        size_t n = in.order.size(), m = in.up_head.size(), a = in.input_arc_to_cch_arc.size();
        require(in.rank.size() == n && in.elimination_tree_parent.size() == n, "node arrays differ in length");
        bool inverse = true;
        for (size_t i = 0; i < n && inverse; ++i) inverse = in.order[i] < n && in.rank[in.order[i]] == i;
        require(inverse, "rank is not the inverse of order");
        check_ids(in.elimination_tree_parent, n, true, "elimination_tree_parent");
        check_csr(in.up_first_out, n, m, "up_first_out");
        check_csr(in.down_first_out, n, m, "down_first_out");
        require(in.up_tail.size() == m && in.down_head.size() == m && in.down_to_up.size() == m, "arc arrays differ in length");
        check_ids(in.up_head, n, false, "up_head");
        check_ids(in.up_tail, n, false, "up_tail");
        check_ids(in.down_head, n, false, "down_head");
        check_ids(in.down_to_up, m, false, "down_to_up");
        check_ids(in.input_arc_to_cch_arc, m, true, "input_arc_to_cch_arc");
        require(in.is_input_arc_upward.size() == a, "is_input_arc_upward has the wrong length");
        require(in.does_cch_arc_have_input_arc.size() == m && in.does_cch_arc_have_extra_input_arc.size() == m,
                "the arc bit vectors have the wrong length");
        in.does_cch_arc_have_input_arc_mapper = RoutingKit::LocalIDMapper(in.does_cch_arc_have_input_arc);
        in.does_cch_arc_have_extra_input_arc_mapper = RoutingKit::LocalIDMapper(in.does_cch_arc_have_extra_input_arc);
        size_t local = in.does_cch_arc_have_input_arc_mapper.local_id_count();
        size_t extra = in.does_cch_arc_have_extra_input_arc_mapper.local_id_count();
        require(in.forward_input_arc_of_cch.size() == local && in.backward_input_arc_of_cch.size() == local,
                "the input arcs of the CCH arcs have the wrong length");
        check_ids(in.forward_input_arc_of_cch, a, true, "forward_input_arc_of_cch");
        check_ids(in.backward_input_arc_of_cch, a, true, "backward_input_arc_of_cch");
        check_csr(in.first_extra_forward_input_arc_of_cch, extra, in.extra_forward_input_arc_of_cch.size(),
                  "first_extra_forward_input_arc_of_cch");
        check_csr(in.first_extra_backward_input_arc_of_cch, extra, in.extra_backward_input_arc_of_cch.size(),
                  "first_extra_backward_input_arc_of_cch");
        check_ids(in.extra_forward_input_arc_of_cch, a, false, "extra_forward_input_arc_of_cch");
        check_ids(in.extra_backward_input_arc_of_cch, a, false, "extra_backward_input_arc_of_cch");
    }
};

struct Metric {
    std::shared_ptr<CCH> cch;
    std::vector<unsigned> weights;  // the input weights RoutingKit's metric points at
    CustomizableContractionHierarchyMetric inner;
    int queries = 0;  // live query objects on this metric: no update while any is alive

    void check_weights(const std::vector<unsigned> &w) const {
        if (w.size() != cch->arc_count)
            throw std::invalid_argument("weights has " + std::to_string(w.size()) + " values; the hierarchy has " +
                                        std::to_string(cch->arc_count) + " arcs");
    }

    void check_idle(const char *what) const {
        if (queries != 0) throw std::runtime_error(std::string("cannot ") + what + " while queries on the metric are alive");
    }

    Metric(std::shared_ptr<CCH> c, const U32Array &w) : cch(std::move(c)), weights(to_vector(w)) {
        check_weights(weights);
        py::gil_scoped_release release;
        inner = CustomizableContractionHierarchyMetric(cch->inner, weights.data());
        inner.customize();
    }

    void reset(const U32Array &w) {
        check_idle("reset the weights");
        std::vector<unsigned> v = to_vector(w);
        check_weights(v);
        py::gil_scoped_release release;
        weights = std::move(v);
        inner.reset(weights.data());
        inner.customize();
    }

    py::tuple customized() const {
        return py::make_tuple(to_array(inner.forward), to_array(inner.backward));
    }

    // A metric from its input weights and the two customised vectors of a metric customised from
    // the same weights on the same hierarchy: no customisation.
    static std::shared_ptr<Metric> from_customized(std::shared_ptr<CCH> c, const U32Array &w, const U32Array &forward,
                                                   const U32Array &backward) {
        auto m = std::shared_ptr<Metric>(new Metric(std::move(c)));
        m->weights = to_vector(w);
        m->check_weights(m->weights);
        size_t arcs = m->cch->inner.cch_arc_count();
        if (forward.ndim() != 1 || backward.ndim() != 1 || static_cast<size_t>(forward.shape(0)) != arcs ||
            static_cast<size_t>(backward.shape(0)) != arcs)
            throw std::invalid_argument("the customised vectors have " + std::to_string(forward.size()) + " and " +
                                        std::to_string(backward.size()) + " values; the hierarchy has " +
                                        std::to_string(arcs) + " arcs");
        const uint32_t *f = forward.data(), *b = backward.data();  // the arrays outlive the call
        py::gil_scoped_release release;  // hundreds of megabytes at province scale
        m->adopt(std::vector<unsigned>(f, f + arcs), std::vector<unsigned>(b, b + arcs));
        return m;
    }

    // An independent metric equal to this one (its weights and customised vectors copied, no
    // customisation): the engine updates the copy while queries go on on this one.
    std::shared_ptr<Metric> copy() const {
        auto m = std::shared_ptr<Metric>(new Metric(cch));
        py::gil_scoped_release release;
        m->weights = weights;
        m->adopt(std::vector<unsigned>(inner.forward), std::vector<unsigned>(inner.backward));
        return m;
    }

  private:
    explicit Metric(std::shared_ptr<CCH> c) : cch(std::move(c)) {}

    // take customised vectors as this metric's (RoutingKit's constructor would first allocate its own)
    void adopt(std::vector<unsigned> forward, std::vector<unsigned> backward) {
        inner.forward = std::move(forward);
        inner.backward = std::move(backward);
        inner.cch = &cch->inner;
        inner.input_weight = weights.data();
    }
};

struct PartialUpdater {
    std::shared_ptr<CCH> cch;
    CustomizableContractionHierarchyPartialCustomization inner;

    explicit PartialUpdater(std::shared_ptr<CCH> c) : cch(c), inner(c->inner) {}

    void apply_pairs(Metric &metric, std::vector<std::pair<unsigned, unsigned>> updates) {
        if (metric.cch.get() != cch.get()) throw std::invalid_argument("the metric belongs to another hierarchy");
        metric.check_idle("update the metric");
        for (auto &u : updates)
            if (u.first >= cch->arc_count) throw std::invalid_argument("arc " + std::to_string(u.first) + " is out of range");
        py::gil_scoped_release release;
        for (auto &u : updates) metric.weights[u.first] = u.second;
        inner.reset();
        for (auto &u : updates) inner.update_arc(u.first);
        inner.customize(metric.inner);
    }

    void apply(Metric &metric, const py::dict &updates) {
        std::vector<std::pair<unsigned, unsigned>> pairs;
        pairs.reserve(updates.size());
        for (auto item : updates) pairs.emplace_back(item.first.cast<unsigned>(), item.second.cast<unsigned>());
        apply_pairs(metric, std::move(pairs));
    }

    void apply_arrays(Metric &metric, const U32Array &arcs, const U32Array &weights) {
        auto a = arcs.unchecked<1>();
        auto w = weights.unchecked<1>();
        if (a.shape(0) != w.shape(0)) throw std::invalid_argument("arcs and weights must have the same length");
        std::vector<std::pair<unsigned, unsigned>> pairs;
        pairs.reserve(static_cast<size_t>(a.shape(0)));
        for (py::ssize_t i = 0; i < a.shape(0); ++i) pairs.emplace_back(a(i), w(i));
        apply_pairs(metric, std::move(pairs));
    }
};

struct Query;

struct QueryResult {
    std::shared_ptr<Query> query;
    uint64_t generation;
    const Query &live() const;
    std::optional<uint32_t> distance() const;
    std::vector<unsigned> node_path() const;
    std::vector<unsigned> arc_path() const;
    py::array_t<uint32_t> arc_path_array() const;
    unsigned used_source() const;
    unsigned used_target() const;
};

// A query's vectors are as long as the network (16 bytes a node and two bit vectors: about 50 MB at 3 M
// nodes), so making one costs in proportion to the network while a query itself touches only the
// elimination-tree paths of its ends.  A query can therefore be unbound from its metric and bound again to
// another metric of the same hierarchy (a reset of what the last search touched), so that callers keep a
// few and reuse them.  Unbound, it keeps no metric alive and counts as no live query.
struct Query : std::enable_shared_from_this<Query> {
    std::shared_ptr<CCH> cch;
    std::shared_ptr<Metric> metric;  // null while unbound
    CustomizableContractionHierarchyQuery inner;
    uint64_t generation = 0;
    bool dirty = false;

    explicit Query(std::shared_ptr<Metric> m) : cch(m->cch), metric(m), inner(m->inner) { ++metric->queries; }
    ~Query() {
        if (metric) --metric->queries;
    }

    void bind(std::shared_ptr<Metric> m) {
        if (m->cch != cch) throw std::invalid_argument("the metric belongs to another hierarchy than the query");
        if (metric) --metric->queries;
        metric = std::move(m);
        ++metric->queries;
        ++generation;  // results of the last binding are stale
        py::gil_scoped_release release;
        inner.reset(metric->inner);  // only what the last search touched
        dirty = false;
    }

    void unbind() {
        if (metric) --metric->queries;
        metric.reset();
        ++generation;
    }

    void check_bound() const {
        if (!metric) throw std::runtime_error("the query is not bound to a metric");
    }

    void check_node(unsigned node, const char *what) const {
        if (node >= cch->node_count)
            throw std::invalid_argument(std::string(what) + " node " + std::to_string(node) + " is out of range");
    }

    QueryResult run_multi(const std::vector<std::pair<unsigned, unsigned>> &sources,
                          const std::vector<std::pair<unsigned, unsigned>> &targets) {
        check_bound();
        if (sources.empty() || targets.empty()) throw std::invalid_argument("a query needs a source and a target");
        for (auto &s : sources) check_node(s.first, "source");
        for (auto &t : targets) check_node(t.first, "target");
        {
            py::gil_scoped_release release;
            if (dirty) inner.reset(metric->inner);
            for (auto &s : sources) inner.add_source(s.first, s.second);
            for (auto &t : targets) inner.add_target(t.first, t.second);
            inner.run();
        }
        dirty = true;
        return QueryResult{shared_from_this(), ++generation};
    }

    QueryResult run(unsigned source, unsigned target) { return run_multi({{source, 0}}, {{target, 0}}); }

    // One search from every source to every target with the lock released (the caller holds none of Python's
    // objects meanwhile); the next run resets the query.
    unsigned search(const std::vector<std::pair<unsigned, unsigned>> &sources,
                    const std::vector<std::pair<unsigned, unsigned>> &targets) {
        if (dirty) inner.reset(metric->inner);
        dirty = true;
        for (auto &s : sources) inner.add_source(s.first, s.second);
        for (auto &t : targets) inner.add_target(t.first, t.second);
        inner.run();
        return inner.get_distance();
    }

    // Distances from every source to every target (uint32, RoutingKit's inf_weight for none), rows by
    // source: the larger side pinned and one sweep per node of the other, as CCHOneToMany / CCHManyToOne do,
    // on this (reused) query instead of a new object's network-long vectors.
    py::array_t<uint32_t> matrix(const U32Array &sources, const U32Array &targets) {
        check_bound();
        const std::vector<unsigned> s = to_vector(sources), t = to_vector(targets);
        for (unsigned x : s) check_node(x, "source");
        for (unsigned x : t) check_node(x, "target");
        py::array_t<uint32_t> out({static_cast<py::ssize_t>(s.size()), static_cast<py::ssize_t>(t.size())});
        if (s.empty() || t.empty()) return out;
        uint32_t *o = out.mutable_data();
        const std::size_t cols = t.size();
        ++generation;
        py::gil_scoped_release release;
        if (dirty) inner.reset(metric->inner);
        dirty = true;
        if (t.size() >= s.size()) {
            inner.pin_targets(t);
            for (std::size_t i = 0; i < s.size(); ++i) {
                inner.add_source(s[i], 0);
                inner.run_to_pinned_targets();
                const std::vector<unsigned> d = inner.get_distances_to_targets();
                std::copy(d.begin(), d.end(), o + i * cols);
                inner.reset_source();
            }
        } else {
            inner.pin_sources(s);
            for (std::size_t j = 0; j < t.size(); ++j) {
                inner.add_target(t[j], 0);
                inner.run_to_pinned_sources();
                const std::vector<unsigned> d = inner.get_distances_to_sources();
                for (std::size_t i = 0; i < d.size(); ++i) o[i * cols + j] = d[i];
                inner.reset_target();
            }
        }
        return out;
    }

    // The cheapest route from any (node, initial cost) source to any (node, final cost) target with fractional
    // costs, in one search: RoutingKit's query with the fractional initial costs kept per node
    // (run_fractional, added to the vendored query: each node keeps its best end, the integer distance
    // from it, and cost + distance in 32.32 fixed point, compared as integers: exact to 2^-32).  A node given twice keeps its least cost (the first of equal
    // ones); ties between paths keep the first found.  Returns None when no target is reached below
    // `forbidden`, else (total, path cost, source node, target node, arc ids as uint32; none with
    // path=false, which skips the unpacking), total computed as source cost + path cost + target cost.
    // `tail` / `head` are the arcs' end nodes (int64).
    py::object route_exact(const std::vector<std::pair<unsigned, double>> &sources,
                           const std::vector<std::pair<unsigned, double>> &targets,
                           const py::array_t<int64_t, py::array::c_style> &tail,
                           const py::array_t<int64_t, py::array::c_style> &head, unsigned forbidden,
                           bool path = true) {
        check_bound();
        if (sources.empty() || targets.empty()) return py::none();
        if (tail.ndim() != 1 || head.ndim() != 1 || tail.shape(0) != head.shape(0))
            throw std::invalid_argument("tail and head must be one-dimensional arrays of one length");
        const auto arc_count = static_cast<uint64_t>(tail.shape(0));
        const int64_t *tails = tail.data(), *heads = head.data();
        // every node once, with its least initial cost (the first of equal ones)
        auto unique = [&](const std::vector<std::pair<unsigned, double>> &ends, const char *what,
                          std::vector<unsigned> &nodes, std::vector<double> &costs) {
            nodes.reserve(ends.size());
            costs.reserve(ends.size());
            std::unordered_map<unsigned, std::size_t> seen;  // only for many ends: a scan is cheaper for a few
            for (auto &e : ends) {
                check_node(e.first, what);
                if (!(e.second >= 0.0 && e.second < 2147483648.0))
                    throw std::invalid_argument(std::string(what) + " cost " + std::to_string(e.second) +
                                                " is not a finite value in [0, 2^31)");
                std::size_t k = 0;
                if (ends.size() > 16) {
                    auto it = seen.emplace(e.first, nodes.size()).first;
                    k = it->second;
                } else {
                    while (k < nodes.size() && nodes[k] != e.first) ++k;
                }
                if (k == nodes.size()) {
                    nodes.push_back(e.first);
                    costs.push_back(e.second);
                } else if (e.second < costs[k]) {
                    costs[k] = e.second;
                }
            }
        };
        std::vector<unsigned> src, dst;
        std::vector<double> src_cost, dst_cost;
        unique(sources, "source", src, src_cost);
        unique(targets, "target", dst, dst_cost);
        ++generation;  // earlier results of this query are stale from here on
        double total = 0.0;
        unsigned cost = 0, s_node = 0, t_node = 0;
        std::vector<unsigned> arcs;
        bool found = false;
        {
            py::gil_scoped_release release;
            if (dirty) inner.reset(metric->inner);
            dirty = true;
            // integral initial costs (points at nodes): RoutingKit's own search is exact and leaner (no
            // per-node fixed-point values); it is taken when it finds a route, else the fractional one decides
            bool integral = true;
            for (double c : src_cost) integral = integral && c == std::floor(c) && c < 16777216.0;
            for (double c : dst_cost) integral = integral && c == std::floor(c) && c < 16777216.0;
            unsigned k = RoutingKit::invalid_id, l = RoutingKit::invalid_id;
            if (integral) {
                for (std::size_t i = 0; i < src.size(); ++i) inner.add_source(src[i], static_cast<unsigned>(src_cost[i]));
                for (std::size_t i = 0; i < dst.size(); ++i) inner.add_target(dst[i], static_cast<unsigned>(dst_cost[i]));
                inner.run();
                const unsigned low = inner.get_distance();
                if (low != RoutingKit::inf_weight) {
                    const unsigned s_used = inner.get_used_source(), t_used = inner.get_used_target();
                    k = static_cast<unsigned>(std::find(src.begin(), src.end(), s_used) - src.begin());
                    l = static_cast<unsigned>(std::find(dst.begin(), dst.end(), t_used) - dst.begin());
                    if (k >= src.size() || l >= dst.size()) throw std::runtime_error("the search used an end it was not given");
                    cost = low - static_cast<unsigned>(src_cost[k]) - static_cast<unsigned>(dst_cost[l]);
                    total = src_cost[k] + static_cast<double>(cost) + dst_cost[l];
                } else {
                    inner.reset(metric->inner);
                }
            }
            if (k == RoutingKit::invalid_id) {
                for (unsigned s : src) inner.add_source(s, 0);
                for (unsigned t : dst) inner.add_target(t, 0);
                inner.run_fractional(src_cost, dst_cost);  // one search, the initial costs exact
                k = inner.get_fractional_source(), l = inner.get_fractional_target();
                if (k != RoutingKit::invalid_id) {
                    cost = inner.get_distance();
                    total = inner.get_fractional_distance();
                }
            }
            if (k != RoutingKit::invalid_id) {
                if (cost < forbidden) {
                    found = true;
                    s_node = src[k], t_node = dst[l];
                    if (path) arcs = inner.get_arc_path();  // else the cost and the ends only: no unpacking
                    if (!path) {
                        // the ends the search used are checked with the path when it is unpacked
                    } else if (!arcs.empty()) {
                        if (arcs.front() >= arc_count || arcs.back() >= arc_count)
                            throw std::runtime_error("the path's arcs are out of range of tail / head");
                        if (static_cast<unsigned>(tails[arcs.front()]) != s_node ||
                            static_cast<unsigned>(heads[arcs.back()]) != t_node)
                            throw std::runtime_error("the path does not join the ends the search used");
                    } else if (s_node != t_node) {
                        throw std::runtime_error("an empty path between a source and a target that differ");
                    }
                }
            }
        }
        if (!found) return py::none();
        return py::make_tuple(total, cost, s_node, t_node, to_array(arcs));
    }
};

const Query &QueryResult::live() const {
    if (query->generation != generation) throw std::runtime_error("this result's query has run again (or been rebound) since");
    return *query;
}
std::optional<uint32_t> QueryResult::distance() const {
    auto &q = const_cast<Query &>(live());
    return distance_or_none(q.inner.get_distance());
}
std::vector<unsigned> QueryResult::node_path() const {
    auto &q = const_cast<Query &>(live());
    if (q.inner.get_distance() == inf_weight) return {};
    return q.inner.get_node_path();
}
std::vector<unsigned> QueryResult::arc_path() const {
    auto &q = const_cast<Query &>(live());
    if (q.inner.get_distance() == inf_weight) return {};
    return q.inner.get_arc_path();
}
py::array_t<uint32_t> QueryResult::arc_path_array() const { return to_array(arc_path()); }
unsigned QueryResult::used_source() const {
    auto &q = const_cast<Query &>(live());
    return q.inner.get_used_source();
}
unsigned QueryResult::used_target() const {
    auto &q = const_cast<Query &>(live());
    return q.inner.get_used_target();
}

// One-to-many with pinned targets, and its mirror image.
struct OneToMany {
    std::shared_ptr<Metric> metric;
    CustomizableContractionHierarchyQuery inner;
    size_t count = 0;

    OneToMany(std::shared_ptr<Metric> m, const U32Array &targets) : metric(m), inner(m->inner) {
        pin(targets);
        ++metric->queries;
    }
    ~OneToMany() { --metric->queries; }

    void pin(const U32Array &targets) {
        std::vector<unsigned> t = to_vector(targets);
        if (t.empty()) throw std::invalid_argument("pin at least one target");
        for (unsigned x : t)
            if (x >= metric->cch->node_count) throw std::invalid_argument("target node " + std::to_string(x) + " is out of range");
        inner.reset(metric->inner);
        inner.pin_targets(t);
        count = t.size();
    }

    std::vector<std::optional<uint32_t>> from_multi(const std::vector<std::pair<unsigned, unsigned>> &sources) {
        if (sources.empty()) throw std::invalid_argument("give at least one source");
        for (auto &s : sources)
            if (s.first >= metric->cch->node_count)
                throw std::invalid_argument("source node " + std::to_string(s.first) + " is out of range");
        std::vector<unsigned> d;
        {
            py::gil_scoped_release release;
            for (auto &s : sources) inner.add_source(s.first, s.second);
            inner.run_to_pinned_targets();
            d = inner.get_distances_to_targets();
            inner.reset_source();
        }
        return distances_or_none(d);
    }
};

struct ManyToOne {
    std::shared_ptr<Metric> metric;
    CustomizableContractionHierarchyQuery inner;
    size_t count = 0;

    ManyToOne(std::shared_ptr<Metric> m, const U32Array &sources) : metric(m), inner(m->inner) {
        pin(sources);
        ++metric->queries;
    }
    ~ManyToOne() { --metric->queries; }

    void pin(const U32Array &sources) {
        std::vector<unsigned> s = to_vector(sources);
        if (s.empty()) throw std::invalid_argument("pin at least one source");
        for (unsigned x : s)
            if (x >= metric->cch->node_count) throw std::invalid_argument("source node " + std::to_string(x) + " is out of range");
        inner.reset(metric->inner);
        inner.pin_sources(s);
        count = s.size();
    }

    std::vector<std::optional<uint32_t>> to_multi(const std::vector<std::pair<unsigned, unsigned>> &targets) {
        if (targets.empty()) throw std::invalid_argument("give at least one target");
        for (auto &t : targets)
            if (t.first >= metric->cch->node_count)
                throw std::invalid_argument("target node " + std::to_string(t.first) + " is out of range");
        std::vector<unsigned> d;
        {
            py::gil_scoped_release release;
            for (auto &t : targets) inner.add_target(t.first, t.second);
            inner.run_to_pinned_sources();
            d = inner.get_distances_to_sources();
            inner.reset_target();
        }
        return distances_or_none(d);
    }
};

std::vector<unsigned> order_inertial(unsigned node_count, const U32Array &tail, const U32Array &head,
                                     const std::vector<float> &latitude, const std::vector<float> &longitude) {
    std::vector<unsigned> t = to_vector(tail), h = to_vector(head);
    py::gil_scoped_release release;
    return RoutingKit::compute_nested_node_dissection_order_using_inertial_flow(node_count, t, h, latitude, longitude,
                                                                                 [](const std::string &) {});
}

std::vector<unsigned> order_degree(unsigned node_count, const U32Array &tail, const U32Array &head) {
    std::vector<unsigned> t = to_vector(tail), h = to_vector(head);
    std::vector<unsigned> deg(node_count, 0);
    for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] < node_count) deg[t[i]]++;
        if (h[i] < node_count) deg[h[i]]++;
    }
    std::vector<unsigned> nodes(node_count);
    for (unsigned i = 0; i < node_count; ++i) nodes[i] = i;
    std::sort(nodes.begin(), nodes.end(), [&](unsigned a, unsigned b) { return deg[a] != deg[b] ? deg[a] < deg[b] : a < b; });
    return nodes;
}

}  // namespace

PYBIND11_MODULE(_cch, m) {
    m.doc() = "RoutingKit's customizable contraction hierarchy, with Python's lock released in native work";

    py::class_<CCH, std::shared_ptr<CCH>>(m, "CCH")
        .def(py::init<const U32Array &, const U32Array &, const U32Array &, bool>(), py::arg("order"), py::arg("tail"),
             py::arg("head"), py::arg("filter_always_inf_arcs") = false)
        .def_property_readonly("node_count", [](const CCH &c) { return c.node_count; })
        .def_property_readonly("arc_count", [](const CCH &c) { return c.arc_count; })
        .def_property_readonly("cch_arc_count", [](const CCH &c) { return c.inner.cch_arc_count(); })
        .def("to_arrays", &CCH::to_arrays, "the hierarchy as a dict of named arrays (for a cache)")
        .def_static("from_arrays", &CCH::from_arrays, py::arg("arrays"),
                    "a hierarchy from to_arrays' dict, checked (ValueError when inconsistent)");

    py::class_<Metric, std::shared_ptr<Metric>>(m, "CCHMetric")
        .def(py::init<std::shared_ptr<CCH>, const U32Array &>(), py::arg("cch"), py::arg("weights"))
        .def_static("from_customized", &Metric::from_customized, py::arg("cch"), py::arg("weights"), py::arg("forward"),
                    py::arg("backward"))
        .def_property_readonly("weights", [](const Metric &mt) { return to_array(mt.weights); })
        .def("customized", &Metric::customized, "the customised (forward, backward) vectors, uint32 arrays")
        .def("copy", &Metric::copy, "an independent copy (weights and customised vectors), no customisation")
        .def("reset", &Metric::reset, py::arg("weights"));

    py::class_<PartialUpdater>(m, "CCHMetricPartialUpdater")
        .def(py::init<std::shared_ptr<CCH>>(), py::arg("cch"))
        .def("apply", &PartialUpdater::apply, py::arg("metric"), py::arg("updates"))
        .def("apply_arrays", &PartialUpdater::apply_arrays, py::arg("metric"), py::arg("arcs"), py::arg("weights"));

    py::class_<QueryResult>(m, "CCHQueryResult")
        .def_property_readonly("distance", &QueryResult::distance)
        .def_property_readonly("node_path", &QueryResult::node_path)
        .def_property_readonly("arc_path", &QueryResult::arc_path)
        .def_property_readonly("arc_path_array", &QueryResult::arc_path_array)
        .def_property_readonly("used_source", &QueryResult::used_source)
        .def_property_readonly("used_target", &QueryResult::used_target);

    py::class_<Query, std::shared_ptr<Query>>(m, "CCHQuery")
        .def(py::init<std::shared_ptr<Metric>>(), py::arg("metric"))
        .def("bind", &Query::bind, py::arg("metric"),
             "use the query on this metric (of the same hierarchy) from here on; cheaper than a new query")
        .def("unbind", &Query::unbind, "let the metric go (no longer a live query on it) until bound again")
        .def_property_readonly("bound", [](const Query &q) { return static_cast<bool>(q.metric); })
        .def("run", &Query::run, py::arg("source"), py::arg("target"))
        .def("run_multi", &Query::run_multi, py::arg("sources"), py::arg("targets"))
        .def("matrix", &Query::matrix, py::arg("sources"), py::arg("targets"),
             "distances from every source to every target, a uint32 array (2147483647, RoutingKit's inf_weight: none)")
        .def("route_exact", &Query::route_exact, py::arg("sources"), py::arg("targets"), py::arg("tail"),
             py::arg("head"), py::arg("forbidden"), py::arg("path") = true,
             "the cheapest route between (node, fractional cost) ends, exactly: None or (total, cost, source, "
             "target, arcs); path=False leaves the path packed (arcs empty)");

    py::class_<OneToMany>(m, "CCHOneToMany")
        .def(py::init<std::shared_ptr<Metric>, const U32Array &>(), py::arg("metric"), py::arg("targets"))
        .def_property_readonly("target_count", [](const OneToMany &o) { return o.count; })
        .def("repin_targets", &OneToMany::pin, py::arg("targets"))
        .def("distances_from", [](OneToMany &o, unsigned s) { return o.from_multi({{s, 0}}); }, py::arg("source"))
        .def("distances_from_multi", &OneToMany::from_multi, py::arg("sources"));

    py::class_<ManyToOne>(m, "CCHManyToOne")
        .def(py::init<std::shared_ptr<Metric>, const U32Array &>(), py::arg("metric"), py::arg("sources"))
        .def_property_readonly("source_count", [](const ManyToOne &o) { return o.count; })
        .def("repin_sources", &ManyToOne::pin, py::arg("sources"))
        .def("distances_to", [](ManyToOne &o, unsigned t) { return o.to_multi({{t, 0}}); }, py::arg("target"))
        .def("distances_to_multi", &ManyToOne::to_multi, py::arg("targets"));

    m.def("compute_order_inertial", &order_inertial, py::arg("node_count"), py::arg("tail"), py::arg("head"),
          py::arg("latitude"), py::arg("longitude"));
    m.def("compute_order_degree", &order_degree, py::arg("node_count"), py::arg("tail"), py::arg("head"));
}
