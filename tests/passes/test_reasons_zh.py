"""Issuance refusals and verdict reasons carry their Chinese twin; the reason strings programs read are unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geo.errors import PassRejected
from passes.crew import CrewMember
from passes.issue import check_issuance, require_issuable
from passes.reasons import reason, reason_code

T = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_a_reason_reads_the_same_for_programs_and_in_chinese_for_people():
    r = reason("expired", "at 2022-04-21T08:00:00+00:00")
    assert r == "expired: 通行证已过期 / pass expired (at 2022-04-21T08:00:00+00:00)"
    assert reason_code(r) == "expired"
    assert r.zh == "通行证已过期（at 2022-04-21T08:00:00+00:00）"
    assert reason("no_crew").zh == "未登记司乘人员"


def test_a_refused_issuance_says_every_reason_in_chinese():
    with pytest.raises(PassRejected) as info:
        require_issuable(False, [], T, T + H, T, True)
    err = info.value
    assert [reason_code(r) for r in err.reasons] == ["not_whitelisted", "no_crew", "window_invalid"]
    assert err.text("en") == "; ".join(err.reasons)
    assert err.text("zh").startswith(
        "企业不在白名单内；未登记司乘人员；有效期起止时间无效（截止时间 2022-04-20 16:00 不晚于"
    )


def test_a_long_window_names_its_length_for_people():
    crew = [CrewMember("王五", "0012", "driver", T - H)]
    (r,) = check_issuance(True, crew, T, T, T + 8 * 24 * H, True)
    assert reason_code(r) == "window_too_long" and "8 days, 0:00:00" in r
    assert r.zh.startswith("有效期超过上限（8 天；至多 ")
