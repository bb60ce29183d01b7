import json
import os
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from passes.keys import KeyRing, KeyStoreError, PublicKeySet
from passes.token import UnknownKid, decode_pass, read_pass, sign_pass
from passes.verify import verify_offline
from tests.passes._helpers import T0, claims_for


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_are_owner_only(tmp_path):
    ring = KeyRing.load_or_create(tmp_path / "k")
    assert mode(tmp_path / "k") == 0o700
    files = sorted(os.listdir(tmp_path / "k"))
    assert files == sorted([f"{ring.active_kid}.pem", "keyring.json"])
    for name in files:
        assert mode(tmp_path / "k" / name) == 0o600


def test_private_key_pem_and_reload(tmp_path):
    ring = KeyRing.load_or_create(tmp_path / "k")
    pem = (tmp_path / "k" / f"{ring.active_kid}.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    again = KeyRing.load_or_create(tmp_path / "k")
    assert again.active_kid == ring.active_kid
    assert again.jwks() == ring.jwks()


def test_refuses_world_readable_key(tmp_path):
    ring = KeyRing.load_or_create(tmp_path / "k")
    os.chmod(tmp_path / "k" / f"{ring.active_kid}.pem", 0o644)
    with pytest.raises(KeyStoreError, match="0o600"):
        KeyRing.load_or_create(tmp_path / "k")


def test_loose_directory_is_tightened(tmp_path):
    (tmp_path / "k").mkdir(mode=0o755)
    os.chmod(tmp_path / "k", 0o755)
    KeyRing.load_or_create(tmp_path / "k")
    assert mode(tmp_path / "k") == 0o700


def test_repr_hides_private_key(tmp_path):
    ring = KeyRing.load_or_create(tmp_path / "k")
    _, key = ring.signing_key()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    text = repr(ring) + str(ring) + repr(ring.keys) + json.dumps(ring.jwks())
    assert raw.hex() not in text and "PRIVATE" not in text
    from passes.keys import b64url

    assert b64url(raw) not in text


def test_jwks_shape(ring):
    jwks = ring.jwks()
    (key,) = jwks["keys"]
    assert key.keys() == {"kty", "crv", "x", "kid", "use", "alg"}
    assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    assert key["kid"] == ring.active_kid
    assert PublicKeySet.from_jwks(json.dumps(jwks)).kids == [ring.active_kid]


def test_from_jwks_skips_other_keys_and_rejects_bad_ones(ring):
    jwk = ring.jwks()["keys"][0]
    rsa = {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "r"}
    assert PublicKeySet.from_jwks({"keys": [rsa, jwk]}).kids == [jwk["kid"]]
    from geo.errors import InvalidInputError

    for bad in (
        {},
        {"keys": "x"},
        {"keys": [dict(jwk, x="AAAA")]},
        {"keys": [jwk, jwk]},
        {"keys": [dict(jwk, kid=None)]},
    ):
        with pytest.raises(InvalidInputError):
            PublicKeySet.from_jwks(bad)


def test_rotation_keeps_old_tokens_verifying_until_prune(ring, crew):
    old_kid = ring.active_kid
    token = sign_pass(claims_for(crew), ring)
    new_kid = ring.rotate(now=T0 + timedelta(hours=1))
    assert new_kid != old_kid and ring.active_kid == new_kid
    # the retired private key is gone, its public key stays
    assert not (ring.path / f"{old_kid}.pem").exists()
    assert {k["kid"] for k in ring.jwks()["keys"]} == {old_kid, new_kid}
    reloaded = KeyRing.load_or_create(ring.path)
    keys = PublicKeySet.from_jwks(reloaded.jwks())
    assert decode_pass(token, keys, at=T0 + timedelta(hours=2)).kid == old_kid
    assert verify_offline(token, keys, at=T0 + timedelta(hours=2)).verdict == "pass"
    new_token = sign_pass(claims_for(crew), reloaded)
    assert read_pass(new_token, keys).kid == new_kid

    info = {k.kid: k for k in reloaded.keys}[old_kid]
    assert info.not_after == T0 + timedelta(hours=1) + reloaded.max_lifetime
    assert reloaded.prune(info.not_after) == []  # still needed at not_after
    assert reloaded.prune(info.not_after + timedelta(seconds=1)) == [old_kid]
    keys = PublicKeySet.from_jwks(KeyRing.load_or_create(ring.path).jwks())
    assert keys.kids == [new_kid]
    with pytest.raises(UnknownKid):
        read_pass(token, keys)
    verdict = verify_offline(token, keys, at=T0 + timedelta(hours=2))
    assert verdict.verdict == "stop" and verdict.codes == ["unknown_kid"]


def test_sign_refuses_lifetime_beyond_key_retention(ring, crew):
    from geo.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="max_lifetime|at most"):
        sign_pass(claims_for(crew, valid_until=T0 + ring.max_lifetime + timedelta(seconds=1)), ring)
