"""Error answers: a deployment fault is a 500 that names the fix, never a server path; it is logged in full."""

from __future__ import annotations

import logging
import os


def test_damaged_key_ring_is_a_500_naming_the_fix_without_paths(client, app, caplog):
    keys_dir = app.state.baotong.settings.keys_dir
    assert client.get("/.well-known/jwks.json").status_code == 200  # the ring exists now
    meta = keys_dir / "keyring.json"
    meta.chmod(0o644)  # readable by others: refused
    os.utime(meta, ns=(meta.stat().st_atime_ns, meta.stat().st_mtime_ns + 1_000_000))  # changed on disk
    caplog.set_level(logging.ERROR, logger="api.errors")
    r = client.get("/.well-known/jwks.json")
    assert r.status_code == 500, r.text
    body = r.json()
    assert body["error"] == "KeyStoreError" and "BAOTONG_KEYS_DIR" in body["detail"] and "600" in body["detail"]
    assert str(keys_dir) not in r.text and "/" + keys_dir.parts[1] not in body["detail"]
    assert str(meta) in caplog.text and "0o644" in caplog.text  # the operator sees which file and why


def _touch(path):
    """Mark ``path`` changed on disk (a later mtime), so the key store reads the ring again."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_private_key_readable_by_others_is_a_500_for_verify_and_jwks(client, app, auth_headers, caplog):
    keys_dir = app.state.baotong.settings.keys_dir
    assert client.get("/.well-known/jwks.json").status_code == 200
    (pem,) = list(keys_dir.glob("*.pem"))
    pem.chmod(0o644)
    _touch(keys_dir / "keyring.json")
    caplog.set_level(logging.ERROR, logger="api.errors")
    verify = client.post(
        "/passes/verify", headers=auth_headers("checkpoint"), json={"token": "x.y.z", "checkpoint": [1.52, 42.5]}
    )
    jwks = client.get("/.well-known/jwks.json")
    for r in (verify, jwks):
        assert r.status_code == 500, r.text
        assert r.json()["error"] == "KeyStoreError" and "600" in r.json()["detail"]
        assert str(keys_dir) not in r.text and str(pem.name) not in r.text
    assert str(pem) in caplog.text and "0o644" in caplog.text and "fix:" in caplog.text


def test_network_answers_name_the_file_never_its_path(client, app, auth_headers):
    source = app.state.baotong.network.source
    assert source.startswith("/")
    r = client.get("/network")
    assert r.status_code == 200 and r.json()["source"] == os.path.basename(source), r.text
    assert os.path.dirname(source) not in r.text
    closure = {
        "county_code": "410802",
        "mode": "checkpoint",
        "starts_at": "2030-01-01T00:00:00Z",
        "ends_at": "2030-01-02T00:00:00Z",
        "reason": "核酸检测点",
        "way_ids": [1],
    }
    r = client.post("/closures", headers=auth_headers("county"), json=closure)
    assert r.status_code == 422 and os.path.basename(source) in r.text, r.text
    assert os.path.dirname(source) not in r.text
