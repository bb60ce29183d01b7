from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from geo.errors import InvalidInputError, NotFoundError
from passes.corridor import distance_to_corridor_m
from passes.keys import KeyRing, PublicKeySet
from passes.reasons import MESSAGES
from passes.token import sign_pass
from passes.verify import PassStatus, verify_offline, verify_online
from tests.passes._helpers import CORRIDOR, T0, claims_for

AT = T0 + timedelta(hours=2)
ON_ROUTE = CORRIDOR[20]
OFF_ROUTE = [CORRIDOR[20][0], CORRIDOR[20][1] + 0.03]  # ~3.3 km north


def ok_status(**kw):
    return lambda pass_no: PassStatus(**{"revoked": False, "enterprise_whitelisted": True, **kw})


def test_clean_pass(ring, token):
    v = verify_offline(token, ring.public_keys(), at=AT, checkpoint=ON_ROUTE, plate="豫H 12345")
    assert (v.verdict, v.reasons, v.mode) == ("pass", [], "offline")
    assert v.claims.pass_no == "410800000123"
    assert v.to_dict()["pass"]["plate"] == "豫H·12345"


def test_expired_alone(ring, crew):
    token = sign_pass(claims_for(crew, valid_until=T0 + timedelta(hours=1)), ring)
    v = verify_offline(token, ring.public_keys(), at=T0 + timedelta(hours=1), checkpoint=ON_ROUTE, plate="豫H12345")
    assert v.codes == ["expired"] and v.reasons[0].startswith("expired: 通行证已过期 / pass expired")


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"at": T0 - timedelta(hours=1)}, "not_yet_valid"),
        ({"checkpoint": OFF_ROUTE}, "off_corridor"),
        ({"plate": "豫H·54321"}, "plate_mismatch"),
        ({"plate": "豫H·5432"}, "plate_invalid"),
        ({"at": T0 + timedelta(hours=20)}, "crew_test_stale"),  # the mobile loader's 24 h ran out
    ],
)
def test_each_reason_alone(ring, token, kwargs, code):
    args = {"at": AT, "checkpoint": ON_ROUTE, "plate": "豫H12345", **kwargs}
    v = verify_offline(token, ring.public_keys(), **args)
    assert v.verdict == "stop" and v.codes == [code]
    zh, en = MESSAGES[code]
    assert v.reasons[0].startswith(f"{code}: {zh} / {en}")


def test_every_reason_together(ring, token):
    v = verify_offline(token, ring.public_keys(), at=T0 + timedelta(days=3), checkpoint=OFF_ROUTE, plate="京A·F0236")
    assert v.verdict == "stop"
    assert v.codes == ["expired", "crew_test_stale", "crew_test_stale", "off_corridor", "plate_mismatch"]


def test_untrusted_token_gives_one_reason(ring, token):
    other = PublicKeySet({ring.active_kid: Ed25519PrivateKey.generate().public_key()})
    v = verify_offline(token, other, at=T0 + timedelta(days=3), checkpoint=OFF_ROUTE, plate="京A·F0236")
    assert v.codes == ["bad_signature"] and v.claims is None
    v = verify_offline(token, PublicKeySet({}), at=AT)
    assert v.codes == ["unknown_kid"]


@pytest.mark.parametrize("bad", [None, 12, b"eyJ", "", " ", "a" * 1_000_000, "é.é.é", "\x00" * 10, ["a"]])
def test_bad_input_is_malformed_stop(ring, bad):
    v = verify_offline(bad, ring.public_keys(), at=AT)
    assert v.verdict == "stop" and v.codes == ["malformed"]


def test_bad_caller_arguments_raise(ring, token):
    from datetime import datetime

    with pytest.raises(InvalidInputError, match="at"):
        verify_offline(token, ring.public_keys(), at=datetime(2022, 4, 20))
    with pytest.raises(InvalidInputError, match="checkpoint"):
        verify_offline(token, ring.public_keys(), at=AT, checkpoint=[113.2])
    with pytest.raises(InvalidInputError, match="checkpoint"):
        verify_offline(token, ring.public_keys(), at=AT, checkpoint=[500, 35])


def test_online_checks(ring, token):
    keys = ring.public_keys()
    v = verify_online(token, keys, at=AT, status_lookup=ok_status(), checkpoint=ON_ROUTE)
    assert (v.verdict, v.mode) == ("pass", "online")
    v = verify_online(token, keys, at=AT, status_lookup=ok_status(revoked=True))
    assert v.codes == ["revoked"]
    v = verify_online(token, keys, at=AT, status_lookup=ok_status(enterprise_whitelisted=False))
    assert v.codes == ["enterprise_fused"] and "熔断" in v.reasons[0]
    v = verify_online(
        token,
        keys,
        at=AT,
        status_lookup=ok_status(revoked=True, enterprise_whitelisted=False),
        checkpoint=OFF_ROUTE,
        plate="豫H·00000",
    )
    assert v.codes == ["revoked", "enterprise_fused", "off_corridor", "plate_mismatch"]

    def missing(pass_no):
        raise NotFoundError(pass_no)

    assert verify_online(token, keys, at=AT, status_lookup=missing).codes == ["unknown_pass"]


def test_online_crew_retest_override(ring, token):
    late = T0 + timedelta(hours=40)  # both token tests are stale by now (50 h, 45 h)
    keys = ring.public_keys()
    assert verify_online(token, keys, at=late, status_lookup=ok_status()).codes == ["crew_test_stale"] * 2
    one = ok_status(crew_tested_at=[None, T0 + timedelta(hours=30)])
    assert verify_online(token, keys, at=late, status_lookup=one).codes == ["crew_test_stale"]
    both = ok_status(crew_tested_at=[T0 + timedelta(hours=20), T0 + timedelta(hours=30)])
    assert verify_online(token, keys, at=late, status_lookup=both).codes == []


def test_full_corridor_is_exact_and_hash_checked(ring, token):
    keys = ring.public_keys()
    # 520 m from the line: outside a 500 m buffer on the exact geometry
    p = [ON_ROUTE[0], ON_ROUTE[1] - 0.00468]
    d = distance_to_corridor_m(p, CORRIDOR)
    assert 500 < d < 540
    assert verify_offline(token, keys, at=AT, checkpoint=p, corridor=CORRIDOR).codes == ["off_corridor"]
    # a stored corridor that is not the signed one is flagged, and the token's polyline is used instead
    moved = [[x + 0.0001, y] for x, y in CORRIDOR]
    v = verify_online(token, keys, at=AT, checkpoint=ON_ROUTE, status_lookup=ok_status(corridor=moved))
    assert v.codes == ["corridor_mismatch"]


@pytest.fixture(scope="module")
def andorra_pass(andorra_router, tmp_path_factory):
    from passes.crew import CrewMember

    plan = andorra_router.route([1.4440, 42.4600], [1.7300, 42.5350])  # Sant Julià -> Pas de la Casa, ~45 km
    ring = KeyRing.load_or_create(tmp_path_factory.mktemp("andorra") / "keys")
    crew = [CrewMember("张三", "123X", "driver", T0 - timedelta(hours=1))]
    claims = claims_for(crew, corridor=plan.coordinates, route_id="andorra-1")
    return plan, ring, sign_pass(claims, ring), claims


def test_corridor_on_a_real_route(andorra_pass):
    plan, ring, token, claims = andorra_pass
    keys = PublicKeySet.from_jwks(ring.jwks())
    coords = plan.coordinates.tolist()
    assert len(token) < 1000, len(token)
    for i in range(0, len(coords), max(1, len(coords) // 25)):
        v = verify_offline(token, keys, at=AT, checkpoint=coords[i])
        assert v.verdict == "pass", (i, v.reasons)
    # 3 km from a mid-route vertex, in the first direction that takes it >= 2.5 km from the whole route
    from geo.projection import LocalProjection

    mid = coords[len(coords) // 2]
    proj = LocalProjection(mid[0], mid[1])
    for dx, dy in ((0, 3000), (0, -3000), (3000, 0), (-3000, 0), (2121, 2121), (-2121, -2121), (2121, -2121)):
        off = list(proj.inverse(dx, dy))
        if distance_to_corridor_m(off, coords) >= 2500:
            break
    assert distance_to_corridor_m(off, coords) >= 2500
    for corridor in (None, coords):
        v = verify_offline(token, keys, at=AT, checkpoint=off, corridor=corridor)
        assert v.codes == ["off_corridor"]


def test_simplified_corridor_stays_within_tolerance(andorra_pass):
    import numpy as np
    import shapely

    from geo.projection import LocalProjection

    plan, _, _, claims = andorra_pass
    proj = LocalProjection(1.58, 42.5)
    full = proj.forward_geom(shapely.LineString(plan.coordinates))
    simple = proj.forward_geom(shapely.LineString(claims.corridor))
    assert len(claims.corridor) < len(plan.coordinates) / 5
    # both ways: every point of either line is within the tolerance (+ rounding) of the other
    assert shapely.hausdorff_distance(full, simple, densify=0.05) <= claims.tolerance_m + 1.0
    assert np.allclose(claims.corridor[0], plan.coordinates[0], atol=1e-5)
