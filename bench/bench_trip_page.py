"""The dispatcher's trip page in Debian's headless Chromium on Andorra: plan a trip -> route drawn.

A real server (``baotong serve`` on the Andorra extract, a loopback port) with a sealed band across the valley
that every trip up it must cross.  The page ``/trips/new`` is opened once (the dispatcher's demo token sent as
a bearer header, every non-local request aborted), the origin and destination are set by real clicks on the
map, and "plan" is clicked ``PLANS`` times: each figure is the time from the click to the route's legs on the
map (the page marks the map with the route id once the legs, zone crossings and markers are added, and the
time is read one animation frame later, in the page's own clock).  The baseline, in the same run, is the same
``POST /routes`` body sent by a program (httpx, one keep-alive client): what the page adds to the API call.
"""

from __future__ import annotations

import time

import numpy as np

from bench.common import CHROMIUM, SHARED_DATA, chromium, figure, only_local, served

NAME = "trip_page"
PLANS = 5
#: Andorra la Vella (Vial de la Unió) to Canillo, up the CG-2 valley road; the sealed band lies across it.
ORIGIN = (1.5343, 42.5078)
DESTINATION = (1.5970, 42.5670)
BAND_LAT, BAND_HALF_DEG = 42.537, 0.002
#: Records ``performance.now()`` at a click on "plan" and one frame after the map is marked with a route.
WATCH = """() => {
  const box = document.getElementById('tp-map');
  window.__plan = {};
  document.getElementById('tp-plan').addEventListener('click', () => {
    window.__plan = {clicked: performance.now()};
  }, {capture: true});
  new MutationObserver(() => {
    if (box.dataset.route && window.__plan.clicked && !window.__plan.drawn) {
      requestAnimationFrame(() => { window.__plan.drawn = performance.now(); });
    }
  }).observe(box, {attributes: true, attributeFilter: ['data-route']});
}"""


def _band() -> dict:
    left, right = 1.42, 1.737
    bottom, top = BAND_LAT - BAND_HALF_DEG, BAND_LAT + BAND_HALF_DEG
    ring = [[left, bottom], [right, bottom], [right, top], [left, top], [left, bottom]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"risk": "sealed", "name": "bench band"},
    }


def _click_at(page, lon: float, lat: float) -> None:
    page.evaluate(f"() => document.getElementById('tp-map').baotongMap.setView([{lat}, {lon}], 15, {{animate: false}})")
    x, y = page.evaluate(
        f"() => {{ const p = document.getElementById('tp-map').baotongMap.latLngToContainerPoint([{lat}, {lon}]);"
        " return [p.x, p.y]; }"
    )
    box = page.locator("#tp-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def _page_plans(base: str, token: str, plans: int) -> list[float]:
    """ms from the click on "plan" to the route drawn, ``plans`` times on one page."""
    out = []
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 1200, "height": 900},
            locale="zh-CN",
            extra_http_headers={"Authorization": f"Bearer {token}"},
        )
        page = context.new_page()
        only_local(page)
        page.goto(f"{base}/trips/new")
        page.wait_for_function("() => document.getElementById('tp-map').baotongMap !== undefined")
        _click_at(page, *ORIGIN)
        page.wait_for_selector("#tp-map path.tp-point-origin")
        _click_at(page, *DESTINATION)
        page.wait_for_selector("#tp-map path.tp-point-destination")
        page.evaluate(WATCH)
        for _ in range(plans):
            page.click("#tp-plan")
            timing = page.wait_for_function("() => window.__plan.drawn && window.__plan", timeout=60_000)
            got = timing.json_value()
            if page.locator("#tp-map path.tp-leg").count() < 1 or page.locator("#tp-map path.tp-entry").count() < 1:
                raise RuntimeError("the route was not drawn through the sealed band")
            out.append(float(got["drawn"]) - float(got["clicked"]))
            page.wait_for_selector("#tp-panel .tp-route")  # the panel too, before the next click
        context.close()
    return out


def run(quick: bool = False) -> list[dict]:
    import httpx

    source = SHARED_DATA / "andorra.osm.pbf"
    out: list[dict] = []
    with served(str(source), timeout_s=900) as (base, tokens):
        body = {"origin": list(ORIGIN), "destination": list(DESTINATION)}
        api_ms = []
        with httpx.Client(base_url=base, timeout=60) as client:
            zone = client.post("/zones", json=_band(), headers={"Authorization": f"Bearer {tokens['planner']}"})
            zone.raise_for_status()
            h = {"Authorization": f"Bearer {tokens['dispatcher']}"}
            client.post("/routes", json=body, headers=h).raise_for_status()  # warm-up
            for _ in range(PLANS):
                started = time.perf_counter()
                r = client.post("/routes", json=body, headers=h)
                api_ms.append((time.perf_counter() - started) * 1e3)
                r.raise_for_status()
                if not r.json()["zones_crossed"]:
                    raise RuntimeError("the route does not cross the sealed band")
        api = float(np.median(api_ms))
        # not at --quick sizes: the test suite draws the page in Chromium itself (tests/api/test_trip_pages_browser.py)
        if CHROMIUM.exists() and not quick:
            drawn = _page_plans(base, tokens["dispatcher"], PLANS)
            out.append(
                figure(
                    NAME,
                    "andorra",
                    "chromium",
                    "/trips/new plan click -> route drawn",
                    "ms",
                    float(np.median(drawn)),
                    baseline=api,
                    baseline_engine="POST /routes by httpx (same body)",
                    n=len(drawn),
                    notes=f"median of {len(drawn)} plans on one page, through a sealed band; all ms: "
                    + ", ".join(f"{v:.0f}" for v in drawn)
                    + "; POST /routes ms: "
                    + ", ".join(f"{v:.0f}" for v in api_ms),
                )
            )
        else:
            out.append(figure(NAME, "andorra", "http", "POST /routes (the page's call)", "ms", api, n=len(api_ms)))
    return out
