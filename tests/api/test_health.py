"""Health, network, OpenAPI."""


def test_health_and_network(client, app):
    h = client.get("/health")
    assert h.status_code == 200 and h.json()["status"] == "ok"
    n = client.get("/network").json()
    net = app.state.baotong.network
    assert n["nodes"] == net.node_count and n["arcs"] == net.arc_count
    left, bottom, right, top = n["bbox"]
    assert left < right and bottom < top
    assert 1.3 < left < 1.8 and 42.3 < bottom < 42.7  # Andorra
    assert n["engine"] == "cch"


def test_openapi_documents_every_contract_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/health",
        "/network",
        "/zones",
        "/zones/{zone_id}",
        "/sites",
        "/routes",
        "/routes/{route_id}",
        "/map",
        "/routes/{route_id}/map",
    ):
        assert path in paths, path
    assert client.get("/docs").status_code == 200


def test_cors_closed_by_default(client):
    r = client.options("/zones", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
