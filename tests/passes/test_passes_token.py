import json
from datetime import timedelta

import pytest

from geo.errors import InvalidInputError, PassRejected
from passes.keys import b64url_decode
from passes.token import (
    BadSignature,
    MalformedPass,
    PassClaims,
    PassExpired,
    PassNotYetValid,
    PassTokenError,
    decode_pass,
    make_claims,
    read_pass,
)
from tests.passes._helpers import CORRIDOR, T0, claims_for


def parts(token):
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p).decode("utf-8")), s


def test_round_trip(ring, crew, token):
    claims = decode_pass(token, ring.public_keys(), at=T0 + timedelta(hours=1))
    expected = claims_for(crew)
    assert claims.pass_no == "410800000123" and claims.plate == "豫H·12345"
    assert claims.to_payload() == expected.to_payload()
    assert claims.kid == ring.active_kid
    assert claims.crew[1].mobile_role and claims.crew[0].tested_at == crew[0].tested_at


def test_wire_form(ring, token):
    header, payload, sig = parts(token)
    assert header == {"alg": "EdDSA", "kid": ring.active_kid}
    assert set(payload) == {"pno", "plt", "ent", "org", "dst", "cor", "tol", "rid", "chs", "nbf", "exp", "iat", "crew"}
    assert payload["crew"] == [
        ["driver", int((T0 - timedelta(hours=10)).timestamp()), 0],
        ["loader", int((T0 - timedelta(hours=5)).timestamp()), 1],
    ]
    text = json.dumps(payload, ensure_ascii=False)
    assert "张三" not in text and "123X" not in text and "4567" not in text  # no names or ID digits
    assert payload["org"] == CORRIDOR[0] and len(payload["chs"]) == 16
    assert len(sig) == 86


def test_window(ring, token):
    keys = ring.public_keys()
    with pytest.raises(PassNotYetValid) as info:
        decode_pass(token, keys, at=T0 - timedelta(seconds=1))
    assert info.value.code == "not_yet_valid" and "尚未生效" in info.value.reasons[0]
    decode_pass(token, keys, at=T0)
    decode_pass(token, keys, at=T0 + timedelta(days=2) - timedelta(seconds=1))
    with pytest.raises(PassExpired) as info:
        decode_pass(token, keys, at=T0 + timedelta(days=2))
    assert isinstance(info.value, PassTokenError) and not isinstance(
        info.value, PassRejected
    )  # verification, not issuance
    assert info.value.reasons[0].startswith("expired: 通行证已过期 / pass expired")


def test_alg_checked_by_us(ring, token):
    import base64

    h, p, s = token.split(".")
    for alg in ("none", "HS256", "RS256", "ES256", "eddsa", "Ed25519"):
        hdr = base64.urlsafe_b64encode(json.dumps({"alg": alg, "kid": ring.active_kid}).encode()).rstrip(b"=").decode()
        with pytest.raises(BadSignature, match="EdDSA"):
            read_pass(f"{hdr}.{p}.{s}", ring.public_keys())


@pytest.mark.parametrize("bad", [None, b"abc", 42, "", "a.b", "a.b.c.d", "x" * 5000, "..."])
def test_malformed(ring, bad):
    with pytest.raises(MalformedPass):
        read_pass(bad, ring.public_keys())


def test_claims_payload_round_trip(crew):
    c = claims_for(crew)
    assert PassClaims.from_payload(json.loads(json.dumps(c.to_payload()))).to_payload() == c.to_payload()
    for key in ("pno", "crew", "org"):
        bad = c.to_payload()
        del bad[key]
        with pytest.raises(MalformedPass, match=key):
            PassClaims.from_payload(bad)
    bad = dict(c.to_payload(), plt="豫H12345")  # not canonical
    with pytest.raises(MalformedPass, match="plt"):
        PassClaims.from_payload(bad)


def test_make_claims_validates(crew):
    with pytest.raises(InvalidInputError, match="pass_no"):
        claims_for(crew, pass_no="41080000012")
    with pytest.raises(InvalidInputError, match="crew"):
        claims_for([])
    with pytest.raises(InvalidInputError, match="valid_until"):
        claims_for(crew, valid_until=T0)
    with pytest.raises(InvalidInputError, match="corridor"):
        claims_for(crew, corridor=[[113.2, 35.2]])
    with pytest.raises(InvalidInputError, match="corridor"):
        claims_for(crew, corridor=[[113.2, 35.2], [200, 35.2]])
    assert make_claims is not None
