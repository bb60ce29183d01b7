from datetime import UTC, datetime, timedelta

import pytest

from geo.errors import InvalidInputError, PassRejected
from passes.crew import CrewMember
from passes.issue import check_issuance, issuance_warnings, parse_pass_number, pass_number, require_issuable
from passes.reasons import reason_code

T = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def crew(*hours_before, mobile=False):
    return [CrewMember("王五", "0012", "driver", T - h * H, mobile_role=mobile) for h in hours_before]


def codes(reasons):
    return [reason_code(r) for r in reasons]


def test_pass_number():
    assert pass_number("410800", 123) == "410800000123"
    assert pass_number("410823", 999999) == "410823999999"
    assert parse_pass_number("410800000123") == ("410800", 123)
    for code, serial in (
        ("41080", 1),
        ("4108000", 1),
        ("ABCDEF", 1),
        ("010800", 1),
        ("410800", 0),
        ("410800", 1_000_000),
        ("410800", True),
        ("410800", 1.0),
    ):
        with pytest.raises(InvalidInputError):
            pass_number(code, serial)
    for text in (
        "41080000012",
        "410800000000",
        "4108000001234",
        "41080000012X",
        410800000123,
        "４１０８００００００１２",
    ):
        with pytest.raises(InvalidInputError, match="pass_no"):
            parse_pass_number(text)


def test_issuable():
    assert check_issuance(True, crew(10), T, T, T + 2 * 24 * H, True) == []
    require_issuable(True, crew(10), T, T, T + 24 * H, True)


def test_every_reason():
    reasons = check_issuance(False, crew(49, 1), T, T, T + 8 * 24 * H, False)
    assert codes(reasons) == ["not_whitelisted", "window_too_long", "crew_test_stale", "route_not_ok"]
    assert "crew[0]" in reasons[2]
    with pytest.raises(PassRejected) as info:
        require_issuable(False, [], T, T + H, T, True)
    assert codes(info.value.reasons) == ["not_whitelisted", "no_crew", "window_invalid"]


def test_freshness_at_departure_boundaries():
    assert check_issuance(True, crew(48), T, T, T + H, True) == []
    assert codes(check_issuance(True, crew(48.01), T, T, T + H, True)) == ["crew_test_stale"]
    assert codes(check_issuance(True, crew(24.01, mobile=True), T, T, T + H, True)) == ["crew_test_stale"]
    assert codes(check_issuance(True, crew(-1), T, T, T + H, True)) == ["crew_test_stale"]  # test after departure


def test_window_rules():
    assert check_issuance(True, crew(1), T, T, T + 7 * 24 * H, True) == []
    assert codes(check_issuance(True, crew(1), T, T, T + 7 * 24 * H + timedelta(seconds=1), True)) == [
        "window_too_long"
    ]
    assert codes(check_issuance(True, crew(5), T - 2 * H, T, T + H, True)) == ["window_invalid"]  # departs before
    with pytest.raises(InvalidInputError, match="departure"):
        check_issuance(True, crew(1), datetime(2022, 4, 20), T, T + H, True)


def test_warning_when_test_goes_stale_inside_window():
    assert issuance_warnings(crew(10), T + 38 * H) == []
    (w,) = issuance_warnings(crew(10), T + 39 * H)
    assert reason_code(w) == "crew_test_expires" and "2022-04-21T22:00:00+00:00" in w
