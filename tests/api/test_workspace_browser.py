"""The workspace as a person uses it, in headless Chromium against the real server, every non-local request blocked:
sign in, read it in Chinese, switch to English and back, see the basemap draw under the map, read /docs offline,
download an export and open it.  A screenshot of each page goes to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import httpx
import pytest
from openpyxl import load_workbook

from tests._data import shared_file
from tests.api._server import pass_request, running_server
from tests.browser import browser, browser_page, browser_page_zh, require_vendor_assets, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
ANDORRA_START = [1.5218, 42.5063]
ANDORRA_END = [1.5923, 42.5413]

#: Distinct colours over a sample of the basemap's canvases (a blank canvas has one or none).
CANVAS_COLOURS = """() => {
  const seen = new Set();
  let painted = 0;
  for (const c of document.querySelectorAll('.leaflet-tile-pane canvas')) {
    if (!c.width || !c.height) continue;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < data.length; i += 4 * 97) {
      if (data[i + 3] === 0) continue;
      painted++;
      seen.add((data[i] >> 3) + ',' + (data[i + 1] >> 3) + ',' + (data[i + 2] >> 3));
    }
  }
  return {canvases: document.querySelectorAll('.leaflet-tile-pane canvas').length, colours: seen.size, painted};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_vendor_assets()
    folder = tmp_path_factory.mktemp("workspace")
    with running_server(folder, network=str(shared_file("andorra.osm.pbf"))) as running:
        demo = running.demo_users()
        headers = {role: {"Authorization": f"Bearer {d['token']}"} for role, d in demo.items()}
        with httpx.Client(base_url=running.base_url, timeout=60) as api:
            body = pass_request(
                api, headers, name="甲物流公司", plate="豫H·66666", origin=ANDORRA_START, destination=ANDORRA_END
            )
            issued = api.post("/passes", json=body, headers=headers["dispatcher"])
            assert issued.status_code == 201, issued.text
        yield running


def sign_in(page, base: str, role: str, server) -> None:
    demo = server.demo_users()[role]
    page.goto(f"{base}/workspace")
    page.wait_for_selector("#login-form")
    page.fill("#username", demo["name"])
    page.fill("#password", demo["password"])
    page.click("#login-submit")
    page.wait_for_url(f"{base}/workspace")


def test_sign_in_chinese_then_english_and_back(browser_page_zh, server):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    page.goto(f"{base}/workspace")
    assert page.url.startswith(f"{base}/login?next=")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "登录" in page.locator("h1").inner_text() and page.locator("label[for=password]").inner_text() == "密码"
    shot(page, "login-zh")

    page.fill("#username", server.demo_users()["planner"]["name"])
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    assert "用户名或密码错误" in page.locator("#login-error").inner_text()
    # the refused sign-in answers 401 (the form again, with the error); Chromium logs that status, nothing else
    assert browser_page_zh.console_errors == [
        f"Failed to load resource: the server responded with a status of 401 (Unauthorized) ({base}/login)"
    ]
    browser_page_zh.console_errors.clear()

    page.fill("#password", server.demo_users()["planner"]["password"])
    page.click("#login-submit")
    page.wait_for_url(f"{base}/workspace")
    assert page.locator("#bt-role").inner_text() == "交通局规划员"
    assert "您好" in page.locator("#ws-hello").inner_text()
    assert page.locator(".bt-nav a").all_inner_texts()[:2] == ["工作台", "地图"]
    shot(page, "workspace-zh")

    page.click("#bt-lang-switch")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("#bt-role").inner_text() == "Transport-bureau planner"
    assert page.locator(".bt-nav a").first.inner_text() == "Workspace"
    page.goto(f"{base}/workspace")  # remembered: no ?lang= this time
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "workspace-en")
    page.click("#bt-lang-switch")
    page.wait_for_selector("html[lang=zh-CN]")

    page.click("#bt-signout")
    page.wait_for_url(f"{base}/login?out=1")
    assert "已退出" in page.locator("#login-notice").inner_text()
    page.goto(f"{base}/workspace")
    assert page.url.startswith(f"{base}/login")
    browser_page_zh.assert_clean()


def wait_for_painted_tiles(page, *, timeout_s: float = 30.0) -> dict:
    """Poll the canvases until the basemap has painted more than 8 colours (``page.wait_for_function``
    evaluates a string, which the pages' Content-Security-Policy forbids)."""
    import time

    deadline = time.monotonic() + timeout_s
    sample = page.evaluate(CANVAS_COLOURS)
    while sample["colours"] <= 8 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        sample = page.evaluate(CANVAS_COLOURS)
    assert sample["colours"] > 8, sample
    return sample


def test_the_basemap_draws_under_the_map(browser_page_zh, server):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    sign_in(page, base, "dispatcher", server)
    tiles: list[tuple[int, str]] = []
    page.on("response", lambda r: tiles.append((r.status, r.url)) if "/tiles/" in r.url else None)
    page.goto(f"{base}/map")
    page.wait_for_selector(".leaflet-tile-pane canvas")
    sample = wait_for_painted_tiles(page)
    assert sample["canvases"] >= 1 and sample["painted"] > 100
    assert tiles and all(status in (200, 204) for status, _ in tiles)
    assert any(status == 200 for status, _ in tiles)
    assert page.locator("#bt-header").is_visible() and "地图" in page.locator(".bt-nav a.active").inner_text()
    controls = page.locator(".leaflet-control-layers-overlays").inner_text()
    assert "封控区" in controls and "管控区" in controls
    assert "图例" in page.locator(".baotong-legend").inner_text()
    page.wait_for_timeout(500)
    shot(page, "map-zh")
    page.goto(f"{base}/map?lang=en")
    wait_for_painted_tiles(page)
    assert "Sealed zones" in page.locator(".leaflet-control-layers-overlays").inner_text()
    assert "Legend" in page.locator(".baotong-legend").inner_text()
    page.wait_for_timeout(500)
    shot(page, "map-en")
    browser_page_zh.assert_clean()


def test_docs_list_the_operations_offline(browser_page, server):  # noqa: F811
    page, base = browser_page.page, server.base_url
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) >= 30
    for expected in ("/passes", "/passes/verify", "/routes", "/sites", "/closures", "/tiles/{z}/{x}/{y}.mvt"):
        assert any(p.replace("\u200b", "") == expected for p in paths), expected
    shot(page, "docs")
    browser_page.assert_clean()


def test_an_export_downloads_and_opens(browser_page_zh, server, tmp_path):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    sign_in(page, base, "planner", server)
    with page.expect_download() as info:
        page.click("a[data-export='ws.passes_xlsx']")
    download = info.value
    assert download.suggested_filename.startswith("passes-") and download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["通行证号", "状态", "企业编号"]
    assert len(rows) == 2 and rows[1][1] == "有效" and rows[1][4] == "豫H·66666"
    browser_page_zh.assert_clean()


def test_checkpoint_page_and_refusals_in_the_layout(browser_page_zh, server):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    sign_in(page, base, "checkpoint", server)
    assert "检查站核验" in page.locator(".bt-nav").inner_text()
    shot(page, "workspace-checkpoint-zh")
    page.goto(f"{base}/checkpoint")
    page.wait_for_selector("#token")
    shot(page, "checkpoint")
    browser_page_zh.assert_clean()


def test_an_english_browser_gets_the_english_interface(browser_page, server):  # noqa: F811
    page, base = browser_page.page, server.base_url  # headless Chromium asks for en-US
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("label[for=password]").inner_text() == "Password"
    shot(page, "login-en")
    browser_page.assert_clean()
