"""The checkpoint page's offline verifier (api/static/checkpoint/verify.js) answers as the server does.

Hundreds of seeded cases -- valid passes at every kind of time, place and plate, every reason the
server gives offline, revocation and fuse lists, crafted headers and claims signed with the ring's key,
and random mutations of a token -- are verified by :func:`passes.verify.verify_online` (with a registry
that knows only the revocation list and the fused enterprises, as the page's cached list does) and by the
JavaScript in Node; the verdicts and reason codes must be equal case by case.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from passes.crew import CrewMember
from passes.keys import KeyRing, b64url, b64url_decode
from passes.policy import DEFAULT_POLICY
from passes.reasons import MESSAGES
from passes.token import sign_pass
from passes.verify import PassStatus, verify_online
from tests.passes._helpers import CORRIDOR, T0, claims_for

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("run_offline_verify.js")
SEED = 20221201
BUFFER_M = 500.0


def _b64(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _sign_raw(ring: KeyRing, header: str, payload: str) -> str:
    """A token over hand-made header/payload text, signed with the ring's active key."""
    _kid, key = ring.signing_key()
    h, p = b64url(header.encode("utf-8")), b64url(payload.encode("utf-8"))
    return f"{h}.{p}.{b64url(key.sign(f'{h}.{p}'.encode('ascii')))}"


def _offset(point, metres_north: float) -> list[float]:
    return [point[0], point[1] + metres_north / 111_320.0]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ring = KeyRing.load_or_create(tmp_path_factory.mktemp("js") / "keys", now=T0 - timedelta(days=3))
    crew = [
        CrewMember("张三", "123X", "driver", T0 - timedelta(hours=10)),
        CrewMember("李四", "4567", "loader", T0 - timedelta(hours=5), mobile_role=True),
    ]
    return ring, crew


def _cases(ring: KeyRing, crew) -> list[dict]:
    rng = random.Random(SEED)
    cases: list[dict] = []
    kid = ring.active_kid
    tokens = {
        "base": sign_pass(claims_for(crew), ring),
        "other": sign_pass(claims_for(crew, pass_no="410800000124", plate="豫H·D12345", enterprise_id="ent-9"), ring),
        "one_crew": sign_pass(claims_for(crew[:1], pass_no="410800000125"), ring),
    }
    on_route = CORRIDOR[20]
    places = [
        None,
        on_route,
        CORRIDOR[0],
        CORRIDOR[-1],
        _offset(on_route, 300),
        _offset(on_route, 480),
        _offset(on_route, 530),
        _offset(on_route, 2_000),
        [113.9, 34.9],
        [1.52, 42.5],
    ]
    times = [
        T0 - timedelta(hours=1),
        T0,
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=19),
        T0 + timedelta(hours=19, seconds=1),
        T0 + timedelta(hours=38),
        T0 + timedelta(hours=38, seconds=1),
        T0 + timedelta(days=2) - timedelta(seconds=1),
        T0 + timedelta(days=2),
        T0 + timedelta(days=5),
    ]
    plates = [
        None,
        "豫H·12345",
        "豫h 12345",
        "  豫H12345\u3000",
        "豫H-12345",
        "豫H·54321",
        "豫H·D12345",
        "京A·12345",
        "ABC",
        "",
        "豫I12345",
        "豫H·1234",
        "\u001c豫H12345",
    ]
    for token in tokens.values():
        for at in times:
            for place in places:
                cases.append({"token": token, "at": at, "checkpoint": place, "plate": rng.choice(plates)})
        for plate in plates:
            cases.append({"token": token, "at": times[2], "checkpoint": on_route, "plate": plate})
    # checkpoints a few decimetres inside and outside the allowance (buffer + tolerance + rounding slack)
    from passes.corridor import ROUNDING_SLACK_M, distance_to_corridor_m
    from passes.token import read_pass

    claims = read_pass(tokens["base"], ring.public_keys())
    allowance = BUFFER_M + claims.tolerance_m + ROUNDING_SLACK_M
    for k in (5, 20, 33, 50):
        for side in (1, -1):
            for miss in (-0.3, 0.3):
                lo, hi = 0.0, 3 * allowance
                for _ in range(60):  # bisect the northward offset whose distance is allowance + miss
                    mid = (lo + hi) / 2
                    d = distance_to_corridor_m(_offset(CORRIDOR[k], side * mid), claims.corridor)
                    lo, hi = (mid, hi) if d < allowance + miss else (lo, mid)
                cases.append(
                    {
                        "token": tokens["base"],
                        "at": times[2],
                        "checkpoint": _offset(CORRIDOR[k], side * lo),
                        "plate": None,
                    }
                )
    # revocation and fuse lists
    for revoked, fused in (
        ([], []),
        (["410800000123"], []),
        ([], ["ent-42"]),
        (["410800000123"], ["ent-42"]),
        (["410800000124"], ["ent-9", "x"]),
    ):
        for name in ("base", "other"):
            cases.append(
                {
                    "token": tokens[name],
                    "at": times[2],
                    "checkpoint": on_route,
                    "plate": None,
                    "revoked": revoked,
                    "fused": fused,
                }
            )
    # crafted headers (signed or not) and claims signed with the ring's own key
    payload = json.loads(b64url_decode(tokens["base"].split(".")[1]).decode("utf-8"))
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    headers = [  # KID stands for the ring's key id
        '{"alg":"EdDSA","kid":"KID"}',
        '{"alg":"EdDSA","kid":"KID","typ":"JWT"}',
        '{"alg":"EdDSA","kid":"KID","typ":"JOSE"}',
        '{"alg":"none","kid":"KID"}',
        '{"alg":"EdDSA","kid":"nope"}',
        '{"alg":"EdDSA"}',
        '{"alg":"EdDSA","kid":"KID","x":1}',
        '{"alg":"EdDSA","kid":"KID","kid":"KID"}',
        "[1,2]",
        '{"alg":"EdDSA","kid":""}',
        ' {"alg" : "EdDSA", "kid": "KID"} ',
        '{"alg":"EdDSA","kid":"KID"}x',
        '\ufeff{"alg":"EdDSA"}',
    ]
    for header in headers:
        header = header.replace("KID", kid)
        cases.append({"token": _sign_raw(ring, header, body), "at": times[2], "checkpoint": on_route, "plate": None})
    header = '{"alg":"EdDSA","kid":"KID"}'.replace("KID", kid)

    def variant(**changes):
        p = dict(payload)
        for k, v in changes.items():
            if v is KeyError:
                p.pop(k)
            else:
                p[k] = v
        return json.dumps(p, separators=(",", ":"), ensure_ascii=False)

    bodies = [
        variant(tol=12.5),
        variant(tol=-1),
        variant(tol=True),
        variant(tol="5"),
        variant(crew=[]),
        variant(crew=[["driver", payload["nbf"] - 3600, 1]]),
        variant(crew=[["driver", payload["nbf"], 1.0]]),
        variant(crew=[["", payload["nbf"], 0]]),
        variant(crew=[["d", -5, 0]]),
        variant(crew=[["d", 2**33, 0]]),
        variant(crew=[["d", payload["nbf"], 2]]),
        variant(crew=[["d", payload["nbf"] - 30 * 3600, 0]] * 9),
        variant(crew=[["d", payload["nbf"], 0]] * 10),
        variant(pno="010800000123"),
        variant(pno="410800000000"),
        variant(pno=410800000123),
        variant(plt="豫H12345"),
        variant(plt="豫H·12345"),
        variant(plt="豫h·12345"),
        variant(ent=""),
        variant(ent="e" * 65),
        variant(ent="企" * 64),
        variant(org=[200, 35]),
        variant(org=[113.2, 35.2, 1]),
        variant(org=[True, 35.2]),
        variant(dst=[113, 35]),
        variant(cor="??"),
        variant(cor="_p~iF"),
        variant(cor="_p~iF~ps|U_ulLnnqC"),
        variant(cor="abc!"),
        variant(nbf=1.5),
        variant(exp=payload["nbf"]),
        variant(iat=KeyError),
        variant(rid=None),
        variant(chs="x"),
        variant(extra=[1, 2, 3]),
        body.replace('"tol":', '"tol":NaN,"_":'),
        body.replace('"tol":10', '"tol":1e999'),
        body[:-1] + ',"pno":"410800000123"}',
        "[]",
        "not json",
        body + " ",
    ]
    for b in bodies:
        for at in (times[2], times[-1]):
            cases.append(
                {"token": _sign_raw(ring, header, b), "at": at, "checkpoint": on_route, "plate": rng.choice(plates)}
            )
    # random mutations of a good token: characters flipped, dropped, inserted; parts swapped
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ é"
    good = tokens["base"]
    for _ in range(200):
        t = list(good)
        for _ in range(rng.randint(1, 3)):
            op, i = rng.random(), rng.randrange(len(t))
            if op < 0.5:
                t[i] = rng.choice(alphabet)
            elif op < 0.75:
                del t[i]
            else:
                t.insert(i, rng.choice(alphabet))
        cases.append({"token": "".join(t), "at": times[2], "checkpoint": on_route, "plate": None})
    h, p, s = good.split(".")
    for odd in (f"{p}.{h}.{s}", f"{h}.{p}", f"{h}.{p}.{s}.", "", "..", f"{h}.{p}.{s[:-2]}", good * 2):
        cases.append({"token": odd, "at": times[2], "checkpoint": None, "plate": None})
    return cases


def _expected(case: dict, keys) -> dict:
    revoked, fused = set(case.get("revoked") or []), set(case.get("fused") or [])
    enterprise = {}

    def lookup(pass_no: str) -> PassStatus:
        return PassStatus(revoked=pass_no in revoked, enterprise_whitelisted=enterprise.get(pass_no) not in fused)

    from passes.token import read_pass

    try:  # the registry knows each pass's enterprise; read it from the (verified) token for the lookup
        claims = read_pass(case["token"], keys)
        enterprise[claims.pass_no] = claims.enterprise_id
    except Exception:  # noqa: BLE001 - an untrusted token never reaches the lookup
        pass
    v = verify_online(
        case["token"],
        keys,
        at=case["at"],
        status_lookup=lookup,
        checkpoint=case["checkpoint"],
        plate=case["plate"],
        corridor_buffer_m=BUFFER_M,
        policy=DEFAULT_POLICY,
    )
    return {"verdict": v.verdict, "codes": v.codes}


def test_the_page_verifies_offline_as_the_server_does(world, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH; the offline verifier is tested with Node.js (make assets needs it too)")
    if not (ROOT / "node_modules" / "geographiclib-geodesic").is_dir():
        pytest.fail("node_modules is missing; run `make assets`")
    ring, crew = world
    keys = ring.public_keys()
    cases = _cases(ring, crew)
    spec = {
        "jwks": ring.jwks(),
        "policy": {
            "test_validity_h": DEFAULT_POLICY.test_validity.total_seconds() / 3600,
            "mobile_test_validity_h": DEFAULT_POLICY.mobile_test_validity.total_seconds() / 3600,
            "corridor_buffer_m": BUFFER_M,
        },
        "messages": MESSAGES,
        "cases": [
            {
                "token": c["token"],
                "at_ms": c["at"].timestamp() * 1000,
                "checkpoint": c["checkpoint"],
                "plate": c["plate"],
                "revoked": c.get("revoked") or [],
                "fused": c.get("fused") or [],
            }
            for c in cases
        ],
    }
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), "utf-8")
    proc = subprocess.run([node, str(RUNNER), str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert len(got) == len(cases)
    expected = [_expected(c, keys) for c in cases]
    diffs = [
        (i, e, g)
        for i, (e, g) in enumerate(zip(expected, got))
        if (e["verdict"], e["codes"]) != (g["verdict"], g["codes"])
    ]
    assert not diffs, f"{len(diffs)} of {len(cases)} cases differ, first: {diffs[:3]}"
    seen = {code for e in expected for code in e["codes"]}
    offline_codes = {
        "malformed",
        "unknown_kid",
        "bad_signature",
        "expired",
        "not_yet_valid",
        "crew_test_stale",
        "off_corridor",
        "plate_mismatch",
        "plate_invalid",
        "revoked",
        "enterprise_fused",
    }
    assert offline_codes <= seen, f"never exercised: {offline_codes - seen}"
    assert sum(e["verdict"] == "pass" for e in expected) >= 20
    # the JS reasons read as the server's: "code: 中文 / English ..."
    for g in got:
        for code, text in zip(g["codes"], g["reasons"]):
            zh, en = MESSAGES[code]
            assert text.startswith(f"{code}: {zh} / {en}")
