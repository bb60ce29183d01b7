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
