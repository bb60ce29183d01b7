from datetime import UTC, datetime, timedelta

import pytest

from geo.errors import InvalidInputError
from passes.crew import CrewMember, RegisteredVehicle, stale_reasons, test_fresh
from passes.policy import PassPolicy

T = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def member(hours_before: float, mobile: bool = False) -> CrewMember:
    return CrewMember("王五", "0012", "driver", T - timedelta(hours=hours_before), mobile_role=mobile)


@pytest.mark.parametrize("mobile,limit_h", [(False, 48), (True, 24)])
def test_freshness_boundaries(mobile, limit_h):
    m = member(limit_h, mobile)
    assert test_fresh(m, T)  # exactly at the limit: still fresh
    assert not test_fresh(m, T + S)
    assert test_fresh(m, T - S)
    assert test_fresh(m, m.tested_at)  # right after sampling


def test_future_test_is_not_fresh():
    m = member(-1)
    assert not test_fresh(m, T)
    assert "after" in stale_reasons([m], T)[0]


def test_stale_reasons_lists_each_member():
    crew = [member(10), member(30, mobile=True), member(49)]
    reasons = stale_reasons(crew, T)
    assert len(reasons) == 2
    assert reasons[0].startswith("crew[1]") and "24 h" in reasons[0]
    assert reasons[1].startswith("crew[2]") and "48 h" in reasons[1]
    assert stale_reasons(crew[:1], T) == []


def test_policy_changes_limits():
    assert not test_fresh(member(30), T, policy=PassPolicy(test_validity=timedelta(hours=24)))


def test_naive_at_refused():
    with pytest.raises(InvalidInputError, match="timezone"):
        test_fresh(member(1), datetime(2022, 4, 20))


@pytest.mark.parametrize("last4", ["123", "12345", "12X4", "abcd", "１２３４", 1234, "410802199001011234"])
def test_id_last4_validation(last4):
    with pytest.raises(InvalidInputError) as info:
        CrewMember("王五", last4, "driver", T)
    assert "id_last4" in str(info.value)
    assert "410802199001011234" not in str(info.value)  # a whole ID is never echoed


def test_id_last4_accepts_x():
    assert CrewMember("王五", "123x", "driver", T).id_last4 == "123X"


def test_crew_field_errors():
    with pytest.raises(InvalidInputError, match="tested_at"):
        CrewMember("王五", "1234", "driver", datetime(2022, 4, 20))
    with pytest.raises(InvalidInputError, match="crew.role"):
        CrewMember("王五", "1234", "", T)
    with pytest.raises(InvalidInputError, match="mobile_role"):
        CrewMember("王五", "1234", "driver", T, mobile_role="yes")  # type: ignore[arg-type]


def test_vehicle():
    v = RegisteredVehicle("豫H12345", "ent-1", "contracted", height_m=4.0)
    assert v.plate == "豫H·12345"
    with pytest.raises(InvalidInputError, match="ownership.*'leased'"):
        RegisteredVehicle("豫H12345", "ent-1", "leased")
    with pytest.raises(InvalidInputError, match="height_m"):
        RegisteredVehicle("豫H12345", "ent-1", height_m=-1)
    with pytest.raises(InvalidInputError, match="plate"):
        RegisteredVehicle("豫H1234", "ent-1")
