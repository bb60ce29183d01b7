"""The anonymous city map's page is rendered once per set of layers (its layers follow the content version,
read from the database, so every worker agrees), one render at a time per process, and each answer keeps
its own script nonce.

Runs on SQLite and PostgreSQL (the ``settings`` fixture of tests/_app.py).
"""

from __future__ import annotations

import re
import threading

from fastapi.testclient import TestClient

import api.pages
from services import layers

SQUARE = [[[1.53, 42.50], [1.532, 42.50], [1.532, 42.502], [1.53, 42.502], [1.53, 42.50]]]


def zone(name: str) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": SQUARE},
        "properties": {"risk": "controlled", "name": name},
    }


def counting_renders(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = api.pages.map_html

    def counted(content, ctx, **options):
        calls.append(1)
        return real(content, ctx, **options)

    monkeypatch.setattr(api.pages, "map_html", counted)
    return calls


def nonce(r) -> str:
    return re.search(r"'nonce-([A-Za-z0-9_-]+)'", r.headers["Content-Security-Policy"]).group(1)


def test_the_page_is_rendered_once_per_set_of_layers(client, auth_headers, monkeypatch):
    renders = counting_renders(monkeypatch)
    first, second = client.get("/map"), client.get("/map")
    assert first.status_code == second.status_code == 200
    assert len(renders) == 1
    assert nonce(first) != nonce(second) and f'nonce="{nonce(second)}"' in second.text
    layer = "/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=12"
    before = client.get(layer)
    r = client.post("/zones", json=zone("新管控区甲"), headers=auth_headers("planner"))
    assert r.status_code == 201
    third = client.get("/map")
    # the page carries no feature, so a new zone leaves it as it was; its layer answers the zone
    assert len(renders) == 1 and r.json()["id"] not in third.text and nonce(third) != nonce(second)
    assert client.get("/map", headers=auth_headers("planner")).status_code == 200
    assert len(renders) == 2  # the bureau's page names more layers
    assert client.get("/map?lang=en").status_code == 200 and len(renders) == 3
    after = client.get(layer)
    assert before.headers["ETag"] != after.headers["ETag"]
    assert r.json()["id"] in {f["id"] for f in after.json()["features"]} - {f["id"] for f in before.json()["features"]}


def test_every_process_sees_the_same_version(app, settings, andorra_router, client, auth_headers):
    from api.main import create_app

    other = create_app(settings, road_router=andorra_router)  # a second worker on the same database
    try:
        ours, theirs = app.state.baotong, other.state.baotong
        with ours.sessions() as a, theirs.sessions() as b:
            before = layers.city_map_version(a)
            assert layers.city_map_version(b) == before
        with TestClient(other) as c:
            assert c.post("/zones", json=zone("乙"), headers=auth_headers("planner")).status_code == 201
        with ours.sessions() as a:
            assert layers.city_map_version(a) != before
    finally:
        other.state.baotong.close()


def test_concurrent_readers_share_one_render_at_a_time(client, monkeypatch):
    running, most, renders = [0], [0], []
    lock = threading.Lock()
    real = api.pages.map_html
    gate = threading.Event()

    def slow(content, ctx, **options):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            renders.append(1)
        gate.wait(timeout=10)  # hold the render while the other readers arrive
        try:
            return real(content, ctx, **options)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(api.pages, "map_html", slow)
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(client.get("/map").status_code)) for _ in range(6)]
    for t in threads:
        t.start()
    waited = 0
    while not renders and waited < 3000:  # at most 30 s: a render that never starts fails the test below
        threading.Event().wait(0.01)
        waited += 1
    gate.set()
    for t in threads:
        t.join(timeout=60)
    assert answers == [200] * 6
    assert most[0] == 1 and len(renders) == 1
