"""A planner imports zones and sites as a person would, in headless Chromium against the real server with every
non-local request blocked: choose a GeoJSON file of zones, read the report (accepted, repaired, rejected with why)
with the zones on the map, untick one, confirm and find only the kept one stored; then a GB18030 CSV of
enterprises the same way.  Screenshots go to test-artifacts/."""

from __future__ import annotations

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import running_server
from tests.api.test_site_import import ANDORRA
from tests.api.test_workspace_browser import shot, sign_in
from tests.api.test_zone_import import BOWTIE, FAR, RING, collection, feature
from tests.browser import browser, browser_page, browser_page_zh, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_vendor_assets()
    with running_server(tmp_path_factory.mktemp("imports"), network=str(shared_file("andorra.osm.pbf"))) as running:
        yield running


def test_a_planner_imports_zones_and_enterprises(browser_page_zh, server, tmp_path):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    zones_file = tmp_path / "风险区域.geojson"
    zones_file.write_bytes(
        collection(
            feature(RING, name="甲小区", risk="封控区"),
            feature(BOWTIE, name="乙小区", risk="sealed"),
            feature(FAR, name="丙小区", risk="sealed"),
        )
    )
    sign_in(page, base, "planner", server)
    page.click(".bt-nav a[href='/imports']")
    page.wait_for_url(f"{base}/imports")

    form = page.locator("#im-zones")
    form.locator("input[type=file]").set_input_files(str(zones_file))
    form.locator("button.im-check").click()
    form.locator(".im-report:not([hidden])").wait_for()
    rows = form.locator("tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).get_attribute("data-status") for i in range(3)] == ["accepted", "repaired", "rejected"]
    assert "通过 1 条，已修复 1 条，拒绝 1 条" in form.locator(".im-counts").inner_text()
    assert "超出路网范围" in rows.nth(2).inner_text()  # the reason it was refused, in Chinese
    assert rows.nth(2).locator("input").count() == 0  # a rejected row cannot be kept
    assert page.locator("#im-map path.leaflet-interactive").count() == 2  # the two importable zones drawn
    shot(page, "import-zones-report")

    rows.nth(1).locator("input[type=checkbox]").uncheck()  # keep only the first
    assert "1" in form.locator(".im-confirm").inner_text()
    form.locator(".im-confirm").click()
    page.wait_for_selector("#im-zones .im-stored[data-count='1']")
    shot(page, "import-zones-stored")
    zones = httpx.get(f"{base}/zones", timeout=30).json()["features"]
    assert [(z["properties"]["name"], z["properties"]["risk"]) for z in zones] == [("甲小区", "sealed")]

    sites_file = tmp_path / "白名单企业.csv"
    sites_file.write_bytes(
        (
            "名称,经度,纬度,白名单,行业,区县代码,权重\n"
            f"甲物流,{ANDORRA[0]},{ANDORRA[1]},是,冷链,410802,2\n"
            f"丙公司,{ANDORRA[0]},{ANDORRA[1]},也许,,,\n"
        ).encode("gb18030")
    )
    form = page.locator("#im-sites")
    form.locator("select[name=kind]").select_option("enterprise")
    form.locator("input[type=file]").set_input_files(str(sites_file))
    form.locator("button.im-check").click()
    form.locator(".im-report:not([hidden])").wait_for()
    assert [form.locator("tbody tr").nth(i).get_attribute("data-status") for i in range(2)] == ["accepted", "rejected"]
    assert "也许" in form.locator("tbody tr").nth(1).inner_text()
    form.locator(".im-confirm").click()
    page.wait_for_selector("#im-sites .im-stored[data-count='1']")
    shot(page, "import-sites-stored")
    planner = {"Authorization": f"Bearer {server.demo_users()['planner']['token']}"}
    sites = httpx.get(f"{base}/sites", params={"kind": "enterprise"}, headers=planner, timeout=30).json()["data"]
    assert [(s["properties"]["name"], s["properties"]["whitelist"]) for s in sites] == [("甲物流", True)]

    # that enterprise's crew, from a spreadsheet with whole ID numbers (only the last 4 are read)
    page.reload()  # the new enterprise is in the list
    crew_file = tmp_path / "司乘人员.csv"
    crew_file.write_text("姓名,身份证号,岗位,核酸采样时间\n张三,41080219800101123X,司机,2026-12-01 08:00\n", "utf-8")
    form = page.locator("#im-fleet")
    form.locator("select[name=site]").select_option(sites[0]["id"])
    form.locator("select[name=fleet_kind]").select_option("crew")
    assert form.locator("a[data-template=csv]").get_attribute("href") == "/sites/crew/import/template.csv"
    form.locator("input[type=file]").set_input_files(str(crew_file))
    form.locator("button.im-check").click()
    form.locator(".im-report:not([hidden])").wait_for()
    row = form.locator("tbody tr").first
    assert row.get_attribute("data-status") == "repaired" and "41080219800101123X" not in page.content()
    form.locator(".im-confirm").click()
    page.wait_for_selector("#im-fleet .im-stored[data-count='1']")
    shot(page, "import-crew-stored")
    crew = httpx.get(f"{base}/sites/{sites[0]['id']}/crew", headers=planner, timeout=30).json()["data"]
    assert [(c["name"], c["id_last4"], c["role"]) for c in crew] == [("张三", "123X", "司机")]
    browser_page_zh.assert_clean()
