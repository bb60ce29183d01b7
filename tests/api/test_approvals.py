"""The approvers' queue page (``GET /approvals``) and a closure's map, through TestClient on Andorra."""

from __future__ import annotations

import re

import pytest

from services.closures import may_decide
from tests.api.test_closures import (  # noqa: F401  (the api fixture)
    DEAD_END_POINT,
    DEAD_END_WAY,
    HUB_POINT,
    add_site,
    api,
    request,
    way_of,
    way_with_a_way_round,
)


def section(html: str, element_id: str) -> str:
    """The HTML of the ``<section id=element_id>`` (empty when the page has none)."""
    found = re.search(rf'<section[^>]*id="{element_id}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def province_and_city(api) -> tuple[dict, dict]:  # noqa: F811
    prov = request(api, {"way_ids": [way_with_a_way_round(api)], "mode": "hard_barrier"}).json()
    city = request(api, {"way_ids": [way_of(api.state.network, ref="CS-340")], "mode": "lane"}).json()
    assert prov["decision"] == "needs_provincial_approval" and city["decision"] == "needs_city_approval"
    return prov, city


@pytest.mark.parametrize(
    ("level", "role", "expected"),
    [
        ("province", "province_approver", True),
        ("province", "city_approver", False),
        ("city", "city_approver", True),
        ("city", "province_approver", True),
        ("city", "county", False),
        ("province", "admin", True),
        (None, "dispatcher", False),
    ],
)
def test_who_may_decide_which_level(level, role, expected):
    assert may_decide(level, role) is expected


def test_city_approver_sees_the_province_level_closure_without_buttons(api):  # noqa: F811
    prov, city = province_and_city(api)
    html = api.get("/approvals", headers=api.h["city_approver"]).text
    yours, elsewhere = section(html, "ap-queue"), section(html, "ap-elsewhere")
    assert f'id="closure-{city["id"]}"' in yours and prov["id"] not in yours
    assert f'id="closure-{prov["id"]}"' in elsewhere and 'class="ap-decide"' not in elsewhere
    assert 'class="ap-decide" data-closure="' + city["id"] + '"' in yours
    # the rules' decision, its rule id and the matched road, in Chinese
    assert "需市级审批" in yours and "<code>" + city["reasons"][0]["rule"] + "</code>" in yours
    assert city["matched"]["roads"][0]["ref"] in yours
    assert "待您审批" in html and "等待省级审批" in html


def test_province_approver_decides_both_levels_oldest_first(api):  # noqa: F811
    prov, city = province_and_city(api)
    yours = section(api.get("/approvals", headers=api.h["province_approver"]).text, "ap-queue")
    assert yours.index(f"closure-{prov['id']}") < yours.index(f"closure-{city['id']}")  # filed first, shown first
    assert yours.count('class="ap-decide"') == 2


def test_a_decision_leaves_the_queue_for_the_history_with_who_when_and_the_note(api):  # noqa: F811
    _, city = province_and_city(api)
    r = api.post(f"/closures/{city['id']}/reject", json={"note": "绕行太远"}, headers=api.h["city_approver"])
    assert r.status_code == 200, r.text
    html = api.get("/approvals", headers=api.h["province_approver"]).text
    assert city["id"] not in section(html, "ap-queue")
    history = section(html, "ap-history")
    assert f'id="decided-{city["id"]}"' in history and 'data-status="rejected"' in history
    assert "city_approver1" in history and "绕行太远" in history and 'data-action="rejected"' in history


def test_blocking_reasons_are_shown_and_approval_is_disabled(api):  # noqa: F811
    add_site(api, "hub_logistics", HUB_POINT)
    ent = add_site(api, "enterprise", DEAD_END_POINT, whitelist=True)
    c = request(api, {"way_ids": [DEAD_END_WAY], "mode": "hard_barrier"}).json()
    assert c["blocking_reasons"]
    article = re.search(
        rf'<article[^>]*id="closure-{c["id"]}".*?</article>',
        api.get("/approvals", headers=api.h["city_approver"]).text,
        re.S,
    )
    assert article is not None
    text = article.group(0)
    assert "impact/whitelist_cut" in text and "不能批准的原因" in text
    assert re.search(r'class="ap-approve"\s+disabled', text)
    assert "enterprise test" in text  # the cut-off enterprise is named in the impact
    assert ent  # stored


def test_the_page_in_english(api):  # noqa: F811
    province_and_city(api)
    html = api.get("/approvals?lang=en", headers=api.h["city_approver"]).text
    assert "Waiting for your decision" in html and "needs city approval" in html and "lane" in html
    assert "待您审批" not in html and "需市级审批" not in html and 'lang="en"' in html


def test_roles_on_the_page(api):  # noqa: F811
    r = api.get("/approvals", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fapprovals"
    for role in ("county", "dispatcher", "planner"):
        r = api.get("/approvals", headers=api.h[role])
        assert r.status_code == 403 and 'id="refused"' in r.text, role
    assert api.get("/approvals", headers=api.h["city_approver"]).status_code == 200


def test_a_closure_map_shows_its_road_to_the_bureau_only(api):  # noqa: F811
    prov, _ = province_and_city(api)
    r = api.get(f"/closures/{prov['id']}/map", headers=api.h["city_approver"])
    assert r.status_code == 200 and prov["id"] in r.text and "道路封闭" in r.text
    assert api.get(f"/closures/{prov['id']}/map").status_code == 401
    assert api.get(f"/closures/{prov['id']}/map", headers=api.h["dispatcher"]).status_code == 403
    assert api.get("/closures/nope/map", headers=api.h["city_approver"]).status_code == 404
