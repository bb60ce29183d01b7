"""The county's closure page in Debian's headless Chromium on Andorra: check a closure -> the rules' decision shown.

A real server (``baotong serve`` on the Andorra extract, a loopback port).  The page ``/closures/new`` is opened
once (the county's demo token sent as a bearer header, every non-local request aborted), a county road is
picked by a real click on the map, a lane closure is filled in, and "check" is clicked ``CHECKS`` times: each
figure is the time from the click to the decision, its reasons and the impact written in the page (read one
animation frame later, in the page's own clock).  The baseline, in the same run, is the same body sent to
``POST /closures/preview`` by a program (httpx, one keep-alive client): what the page adds to the API call.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.common import CHROMIUM, NETWORK_CACHE, SHARED_DATA, chromium, figure, only_local, served

NAME = "closure_page"
CHECKS = 5
COUNTY = "410821"
#: Records ``performance.now()`` at a click on "check" and one frame after the decision is in the page.
WATCH = """() => {
  const box = document.getElementById('cl-result');
  window.__check = {};
  document.getElementById('cl-check').addEventListener('click', () => {
    window.__check = {clicked: performance.now()};
  }, {capture: true});
  new MutationObserver(() => {
    if (box.querySelector('.cl-check') && window.__check.clicked && !window.__check.shown) {
      requestAnimationFrame(() => { window.__check.shown = performance.now(); });
    }
  }).observe(box, {childList: true, subtree: true});
}"""


def county_road_point(source: Path) -> tuple[int, tuple[float, float]]:
    """The county-grade way with the most arcs and a point in the middle of its middle arc."""
    from routing.network import load_or_build

    net, _ = load_or_build(str(source), NETWORK_CACHE)
    mask = net.grade.astype(str) == "county"
    ways, counts = np.unique(net.osm_way_id[mask], return_counts=True)
    way = int(ways[np.argmax(counts)])
    arcs = net.arcs_of_way(way)
    a = int(arcs[arcs.size // 2])
    t, h = int(net.tail[a]), int(net.head[a])
    return way, (float((net.node_lon[t] + net.node_lon[h]) / 2), float((net.node_lat[t] + net.node_lat[h]) / 2))


def _page_checks(base: str, token: str, point: tuple[float, float], checks: int) -> list[float]:
    """ms from the click on "check" to the decision shown, ``checks`` times on one page."""
    lon, lat = point
    out = []
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 1200, "height": 900},
            locale="zh-CN",
            extra_http_headers={"Authorization": f"Bearer {token}"},
        )
        page = context.new_page()
        only_local(page)
        page.goto(f"{base}/closures/new")
        page.wait_for_function("() => document.getElementById('cl-map').baotongMap !== undefined")
        the_map = "document.getElementById('cl-map').baotongMap"
        page.evaluate(f"() => {the_map}.setView([{lat}, {lon}], 17, {{animate: false}})")
        x, y = page.evaluate(
            f"() => {{ const p = {the_map}.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}"
        )
        box = page.locator("#cl-map").bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_selector("#cl-roads li")
        page.select_option("#cl-mode", "lane")
        page.fill("#cl-reason", "bench")
        page.evaluate(WATCH)
        for _ in range(checks):
            page.click("#cl-check")
            timing = page.wait_for_function("() => window.__check.shown && window.__check", timeout=60_000)
            got = timing.json_value()
            if page.locator("#cl-result .cl-check[data-decision=needs_city_approval]").count() != 1:
                raise RuntimeError("the page did not show the rules' decision for a lane on a county road")
            out.append(float(got["shown"]) - float(got["clicked"]))
        context.close()
    return out


def run(quick: bool = False) -> list[dict]:
    import httpx

    source = SHARED_DATA / "andorra.osm.pbf"
    way, point = county_road_point(source)
    out: list[dict] = []
    with served(str(source), timeout_s=900) as (base, tokens):
        start = datetime.now(UTC) + timedelta(minutes=30)
        body = {
            "county_code": COUNTY,
            "mode": "lane",
            "reason": "bench",
            "way_ids": [way],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=6)).isoformat(),
        }
        api_ms = []
        with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {tokens['county']}"}) as client:
            client.post("/closures/preview", json=body).raise_for_status()  # warm-up
            for _ in range(CHECKS):
                started = time.perf_counter()
                r = client.post("/closures/preview", json=body)
                api_ms.append((time.perf_counter() - started) * 1e3)
                r.raise_for_status()
        api = float(np.median(api_ms))
        # not at --quick sizes: the test suite drives the page in Chromium itself (tests/api/test_closure_form_browser.py)
        if CHROMIUM.exists() and not quick:
            shown = _page_checks(base, tokens["county"], point, CHECKS)
            out.append(
                figure(
                    NAME,
                    "andorra",
                    "chromium",
                    "/closures/new check click -> decision shown",
                    "ms",
                    float(np.median(shown)),
                    baseline=api,
                    baseline_engine="POST /closures/preview by httpx (same body)",
                    n=len(shown),
                    notes=f"median of {len(shown)} checks on one page (a lane on a county road); all ms: "
                    + ", ".join(f"{v:.0f}" for v in shown)
                    + "; POST /closures/preview ms: "
                    + ", ".join(f"{v:.0f}" for v in api_ms),
                )
            )
        else:
            out.append(
                figure(NAME, "andorra", "http", "POST /closures/preview (the page's call)", "ms", api, n=len(api_ms))
            )
    return out
