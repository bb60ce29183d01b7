"""``baotong plan deliveries``: a request file planned, stored and checked against every rule; ``--vrplib`` on a
small instance of ../shared/data/vrp with the gap to the ``.sol`` beside it; bad input named."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from shapely.geometry import mapping
from sqlalchemy.orm import Session

from bench.deliveries_scenario import START, scenario
from cli.main import main
from routing.deliveries.check import plan_violations
from services import deliveries
from store.db import make_engine
from store.users import Principal
from tests._data import NETWORK_CACHE, shared_file

CLI_USER = Principal(id=0, name="cli", role="planner", enterprise_id=None)


def _env(monkeypatch, settings):
    monkeypatch.setenv("BAOTONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BAOTONG_CACHE_DIR", str(NETWORK_CACHE))
    monkeypatch.setenv("BAOTONG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BAOTONG_NETWORK", str(shared_file("andorra.osm.pbf")))


def _request(client, auth_headers, andorra_router) -> dict:
    """A seeded scenario with one sealed zone (stored through the API) as a request of points and counts."""
    problem = scenario(andorra_router, seed=97, stops=12, zones=1, trucks=2, inside_share=0.3, hubs=1)
    now = datetime.now(START.tzinfo)
    shift = datetime(now.year, now.month, now.day, 7, 0, tzinfo=START.tzinfo) + timedelta(days=1) - START
    zone = problem.zones[0]
    z = client.post(
        "/zones",
        json={
            "type": "Feature",
            "geometry": mapping(zone.geometry),
            "properties": {"risk": "sealed", "name": "封控区"},
        },
        headers=auth_headers("planner"),
    )
    assert z.status_code == 201, z.text
    depot = problem.depots[0]
    truck, van = problem.fleet[0], problem.fleet[-1]

    def window(w):
        return None if w is None else [(w[0] + shift).isoformat(), (w[1] + shift).isoformat()]

    return {
        "depots": [{"id": depot.id, "point": list(depot.point), "kind": "logistics_hub"}],
        "stops": [
            {"id": s.id, "point": list(s.point), "demand": s.demand, "service_time_s": s.service_time_s}
            | ({"window": window(s.window)} if s.window is not None else {})
            for s in problem.stops
        ],
        "fleet": [
            {
                "id": "truck",
                "count": truck.count,
                "capacity": truck.capacity,
                "shift_start": (truck.shift_start + shift).isoformat(),
                "shift_end": (truck.shift_end + shift).isoformat(),
                "depot_id": depot.id,
            },
            {
                "id": "van",
                "count": van.count,
                "capacity": van.capacity,
                "shift_start": (van.shift_start + shift).isoformat(),
                "shift_end": (van.shift_end + shift).isoformat(),
                "zone_id": z.json()["id"],
            },
        ],
        "time_limit_s": 30,
        "seed": 1,
    }


def test_a_request_file_is_planned_stored_and_keeps_every_rule(
    monkeypatch, tmp_path, capsys, settings, client, auth_headers, andorra_router
):
    body = _request(client, auth_headers, andorra_router)
    _env(monkeypatch, settings)
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    out_map = tmp_path / "plan.html"
    args = ["plan", "deliveries", "--request", str(path), "--time-limit", "1", "--seed", "4", "--name", "命令行预案"]
    assert main([*args, "--map", str(out_map)]) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert printed["name"] == "命令行预案" and printed["rule_violations"] == []
    assert "matrices" in captured.err  # the planner's progress, step by step
    kinds = {r["kind"] for r in printed["routes"]}
    assert kinds == {"outside", "inside"}, printed["routes"]  # stops in the sealed zone go by inside vehicle
    served = [c for r in printed["routes"] if r["kind"] == "inside" for c in r["calls"]]
    assert served and printed["totals"]["stops_served"] + len(printed["unserved"]) == len(body["stops"])
    # stored as the API stores it: read back, every rule of the issue holds on the stored result
    with Session(make_engine(settings.database_url)) as session:
        problem, plan = deliveries.stored_plan(session, printed["id"], user=CLI_USER)
        stored = deliveries.readable_plan(session, printed["id"], user=CLI_USER)
    assert plan_violations(problem, plan) == []
    assert stored.document["solver"]["time_limit_s"] == 1 and stored.request["seed"] == 4
    assert [r.id for r in plan.routes] == [r["id"] for r in printed["routes"]]
    html = out_map.read_text()
    assert "leaflet" in html.lower() and all(r["id"] in html for r in printed["routes"])
    # bad input is named, not a traceback
    assert main(["plan", "deliveries", "--request", str(path), "--time-limit", "1000"]) == 2
    assert "`time_limit_s` was 1000" in capsys.readouterr().err
    path.write_text(json.dumps({**body, "stops": [{"point": [1.5, 42.5], "demand": -1}]}), encoding="utf-8")
    assert main(["plan", "deliveries", "--request", str(path)]) == 2
    assert "stops[0].demand" in capsys.readouterr().err
    assert main(["plan", "deliveries", "--request", str(tmp_path / "none.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_vrplib_prints_cost_and_gap_to_the_best_known(capsys):
    path = shared_file("vrp/X-n101-k25.vrp")
    assert main(["plan", "deliveries", "--vrplib", str(path), "--time-limit", "1", "--seed", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("X-n101-k25 (CVRP, 100 clients)"), line
    cost, best, gap = (
        float(x.replace(",", ""))
        for x in re.search(r"cost ([\d,.]+), best known ([\d,.]+), gap ([\d.]+) %", line).groups()
    )
    assert best == 27591 and cost >= best and gap == round(100 * (cost - best) / best, 2)
    assert main(["plan", "deliveries", "--vrplib", str(path)]) == 2
    assert "--time-limit" in capsys.readouterr().err
    assert main(["plan", "deliveries", "--vrplib", "missing.vrp", "--time-limit", "1"]) == 2
    assert "does not exist" in capsys.readouterr().err
