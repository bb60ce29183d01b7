"""A PostgreSQL outage under the real server: writes and verifications answer 503 with ``Retry-After`` and a
clear message (never a 500 or a reset connection), ``/health`` says the database is away, and the service
recovers by itself once the database is back.

The test runs its own throw-away PostgreSQL (scripts/test_postgres.sh, in its own folder and port) so that
stopping it touches no other test's database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import free_port, pass_request, running_server

ROOT = Path(__file__).resolve().parents[2]
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]
SQUARE = [[[1.53, 42.50], [1.532, 42.50], [1.532, 42.502], [1.53, 42.502], [1.53, 42.50]]]


def postgres(action: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test_postgres.sh"), action],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def own_postgres():
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        if os.environ.get("BAOTONG_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries not found (scripts/system_deps.sh)")
        pytest.skip("PostgreSQL server binaries not found")
    folder = tempfile.mkdtemp(prefix="baotong-outage-pg-")
    os.chmod(folder, 0o755)
    env = {"BAOTONG_PG_DIR": str(Path(folder) / "cluster"), "BAOTONG_PG_PORT": str(free_port())}
    url = postgres("start", env)
    try:
        yield url, env
    finally:
        postgres("stop", env)
        shutil.rmtree(folder, ignore_errors=True)


def away(r: httpx.Response) -> None:
    """The answer while the database is away: 503, ``Retry-After`` and a message saying so."""
    assert r.status_code == 503, (r.status_code, r.text)
    assert int(r.headers["Retry-After"]) >= 1
    detail = r.json()["detail"]
    assert "database is not answering" in detail and "数据库" in detail, detail


def test_writes_and_verifications_answer_503_while_postgres_is_away(tmp_path, own_postgres):
    url, pg_env = own_postgres
    network = str(shared_file("andorra.osm.pbf"))
    with running_server(tmp_path, network=network, env={"BAOTONG_DATABASE_URL": url}) as server:
        h = {r: {"Authorization": f"Bearer {t}"} for r, t in server.tokens().items()}
        zone = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": SQUARE}}
        zone["properties"] = {"risk": "controlled"}
        with httpx.Client(base_url=server.base_url, timeout=60) as c:
            body = pass_request(
                c, h, name="Outage Foods", plate="豫H·24680", origin=ENTERPRISE_POINT, destination=DESTINATION
            )
            r = c.post("/passes", headers=h["dispatcher"], json=body)
            assert r.status_code == 201, r.text
            token = r.json()["token"]
            scan = {"token": token, "checkpoint": ENTERPRISE_POINT, "plate": "豫H·24680"}
            assert c.post("/passes/verify", headers=h["checkpoint"], json=scan).status_code == 200

            postgres("stop", pg_env)
            for _ in range(2):  # the first request finds the connections gone, the second finds none to open
                away(c.post("/passes/verify", headers=h["checkpoint"], json=scan))
                away(c.post("/zones", headers=h["planner"], json=zone))
                away(c.post("/passes", headers=h["dispatcher"], json=body))
                away(
                    c.post(
                        "/routes",
                        headers=h["dispatcher"],
                        json={"origin": ENTERPRISE_POINT, "destination": DESTINATION},
                    )
                )
                health = c.get("/health")
                away(health)
            assert server.process.poll() is None  # still serving

            postgres("start", pg_env)
            for _ in range(120):  # recovers by itself: no restart
                if c.get("/health").status_code == 200:
                    break
                time.sleep(0.5)
            r = c.post("/passes/verify", headers=h["checkpoint"], json=scan)
            assert r.status_code == 200 and r.json()["verdict"] == "pass", r.text
            assert c.post("/zones", headers=h["planner"], json=zone).status_code == 201
        log = server.output.read_text()
        assert "DatabaseUnavailable" in log  # the operator sees the outage in the log
