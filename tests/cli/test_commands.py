"""The command line: users add, network build, route (with a map)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cli.main import main
from services.settings import Settings
from store.models import User
from tests._data import NETWORK_CACHE, shared_file


def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("BAOTONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOTONG_CACHE_DIR", str(NETWORK_CACHE))


def test_users_add_prints_token_once_and_stores_hash(monkeypatch, tmp_path, capsys):
    _env(monkeypatch, tmp_path)
    assert main(["users", "add", "alice", "--role", "checkpoint"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(token) > 30
    with Session(create_engine(Settings().database_url)) as s:
        user = s.scalar(select(User).where(User.name == "alice"))
    assert user.role == "checkpoint" and token not in user.token_hash
    assert main(["users", "add", "bob", "--role", "emperor"]) == 2
    assert "role" in capsys.readouterr().err


def test_network_build_and_route(monkeypatch, tmp_path, capsys):
    _env(monkeypatch, tmp_path)
    pbf = str(shared_file("andorra.osm.pbf"))
    assert main(["network", "build", "--pbf", pbf]) == 0
    built = capsys.readouterr()
    info = json.loads(built.out)
    # built, or read when another test's build of the same file saved it
    assert f"the hierarchy (CCH) of {info['nodes']:,} nodes from the" in built.err
    order_file = Path(info["cache"]) / "cch" / "order.npy"
    assert order_file.is_file()
    order_file.unlink()  # (the network cache may be another test's) the order is computed again and saved
    assert main(["network", "build", "--pbf", pbf]) == 0
    again = capsys.readouterr().err
    assert "computing the contraction order (METIS nested dissection)" in again
    assert "from the metis order" in again and order_file.is_file()
    # the same order again: the saved hierarchy and metrics are still this network's
    assert "read the hierarchy (CCH)" in again and "the base metric was saved already" in again
    assert info["nodes"] > 20_000 and len(info["bbox"]) == 4
    out_map = tmp_path / "route.html"
    assert (
        main(["route", "--network", pbf, "--from", "1.5218,42.5063", "--to", "1.5968,42.5430", "--map", str(out_map)])
        == 0
    )
    route = json.loads(capsys.readouterr().out)
    assert route["length_m"] > 5000 and route["legs"]
    assert out_map.exists() and "leaflet" in out_map.read_text().lower()
    assert main(["route", "--network", pbf, "--from", "1.0,42.5", "--to", "1.5968,42.5430"]) == 2
    assert "nearest drivable road" in capsys.readouterr().err
    assert main(["network", "build", "--pbf", str(tmp_path / "missing.osm.pbf")]) == 2


def test_plan_stations_cli_on_the_demo_scenario(monkeypatch, tmp_path, capsys):
    _env(monkeypatch, tmp_path)
    monkeypatch.setenv("BAOTONG_NETWORK", "default")
    from services import scenario
    from services.context import load_road_router, open_database

    settings = Settings()
    engine, sessions = open_database(settings)
    with sessions() as session:
        assert scenario.load_if_empty(session, settings.scenario, load_road_router(settings)) > 0
    engine.dispose()
    out_map = tmp_path / "plan.html"
    assert main(["plan", "stations", "--model", "p_median", "--p", "2", "--map", str(out_map)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["model"] == "p_median" and len(plan["chosen"]) == 2
    assert sum(c["served_count"] for c in plan["chosen"]) >= 1 and out_map.exists()
    assert main(["plan", "stations", "--model", "lscp", "--service-time", "1"]) == 2
    err = capsys.readouterr().err
    assert "no covering within service_time_s=1 s" in err and "raise service_time_s" in err


def test_bench_options_reach_the_benchmark_runner(monkeypatch):
    import bench.run

    seen = {}
    monkeypatch.setattr(bench.run, "main", lambda argv: seen.setdefault("argv", argv) and 0)
    assert main(["bench", "--only", "engine", "--quick"]) == 0
    assert seen["argv"] == ["--only", "engine", "--quick"]
