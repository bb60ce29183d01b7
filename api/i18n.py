"""The language of a request, and the catalog of every text the pages show.

A person's language is, in order: ``?lang=zh|en`` (the switch; the page then remembers it in
the ``baotong_lang`` cookie), the ``baotong_lang`` cookie, ``Accept-Language``, else Chinese.
The API's JSON keeps English for programs: its human-text fields are rendered in another
language only when the client asked for one (the switch, the cookie or ``Accept-Language``; a
browser sends ``zh-CN``), see :func:`asked_lang`.

The page texts live in :data:`CATALOG` (key -> Chinese, English); templates call ``t("key")``.
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request, Response

from geo.i18n import DEFAULT_LANG, Lang, parse_accept_language, pick_lang

ResponseT = TypeVar("ResponseT", bound=Response)
LANG_COOKIE = "baotong_lang"
#: A year: the switch is remembered.
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def query_lang(request: Request) -> Lang | None:
    """The language the switch asks for (``?lang=``), or ``None``."""
    return pick_lang(request.query_params.get("lang"))


def asked_lang(request: Request) -> Lang | None:
    """The language the client asked for (switch, cookie, ``Accept-Language``), or ``None`` if it asked none."""
    return (
        query_lang(request)
        or pick_lang(request.cookies.get(LANG_COOKIE))
        or parse_accept_language(request.headers.get("accept-language"))
    )


def page_lang(request: Request) -> Lang:
    """The language of a page for a person: :func:`asked_lang`, else Chinese."""
    return asked_lang(request) or DEFAULT_LANG


def remember_lang(request: Request, response: ResponseT) -> ResponseT:
    """Set the ``baotong_lang`` cookie when the request used the switch (``?lang=``)."""
    lang = query_lang(request)
    if lang is not None and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, samesite="lax", httponly=False)
    return response


#: Every text of the pages: key -> (Chinese, English).
CATALOG: dict[str, tuple[str, str]] = {
    # the layout
    "app.name": ("保通", "Baotong"),
    "app.tagline": ("应急物流保通保畅平台", "Keeping freight moving through emergency zones"),
    "nav.workspace": ("工作台", "Workspace"),
    "nav.map": ("地图", "Map"),
    "nav.checkpoint": ("检查站核验", "Checkpoint"),
    "nav.docs": ("接口文档", "API docs"),
    "nav.signin": ("登录", "Sign in"),
    "nav.signout": ("退出登录", "Sign out"),
    "nav.lang_switch": ("English", "中文"),
    "nav.signed_in_as": ("当前用户", "Signed in as"),
    "nav.role": ("角色", "Role"),
    "nav.enterprise": ("所属企业", "Enterprise"),
    # sign-in
    "login.title": ("登录", "Sign in"),
    "login.intro": (
        "请使用交通局分配的用户名和密码登录。",
        "Sign in with the user name and password the transport bureau gave you.",
    ),
    "login.username": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": (
        "用户名或密码错误（或该用户已停用）。",
        "Unknown user name or wrong password (or the user is disabled).",
    ),
    "login.rate_limited": ("登录失败次数过多，请 {wait} 后再试。", "Too many failed sign-ins; try again in {wait}."),
    "login.missing": ("请填写用户名和密码。", "Enter your user name and password."),
    "login.signed_out": ("您已退出登录。", "You have signed out."),
    "login.programs": (
        "程序请继续使用 Authorization: Bearer 令牌访问接口。",
        "Programs keep using the API with an Authorization: Bearer token.",
    ),
    # the workspace
    "ws.title": ("工作台", "Workspace"),
    "ws.hello": ("您好，{name}", "Hello, {name}"),
    "ws.intro": ("以下是您的角色可以使用的页面和导出。", "These are the pages and exports of your role."),
    "ws.pages": ("页面", "Pages"),
    "ws.exports": ("导出（上报用）", "Exports (for reporting upwards)"),
    "ws.lists": ("列表接口", "Lists"),
    "ws.map": (
        "城市地图：风险区域、站点、路线、封闭道路、绿色通道和检查站核验记录",
        "City map: zones, sites, routes, closures, green channels and checkpoint scans",
    ),
    "ws.checkpoint": (
        "检查站核验页面：扫码或粘贴通行证，一眼看出放行或拦停",
        "Checkpoint page: scan or paste a pass, PASS or STOP at a glance",
    ),
    "ws.docs": ("接口文档（离线可用）", "API documentation (works offline)"),
    "ws.passes_csv": ("通行证（CSV）", "Passes (CSV)"),
    "ws.passes_xlsx": ("通行证（Excel）", "Passes (Excel)"),
    "ws.scans_csv": ("检查站核验记录（CSV）", "Checkpoint scans (CSV)"),
    "ws.scans_xlsx": ("检查站核验记录（Excel）", "Checkpoint scans (Excel)"),
    "ws.zones_geojson": ("风险区域（GeoJSON）", "Emergency zones (GeoJSON)"),
    "ws.zones_kml": ("风险区域（KML）", "Emergency zones (KML)"),
    "ws.closures_geojson": ("道路封闭（GeoJSON）", "Road closures (GeoJSON)"),
    "ws.closures_kml": ("道路封闭（KML）", "Road closures (KML)"),
    "ws.list_passes": ("通行证列表", "Passes"),
    "ws.list_routes": ("路线列表", "Routes"),
    "ws.list_sites": ("站点列表", "Sites"),
    "ws.list_closures": ("道路封闭列表", "Road closures"),
    "ws.list_scans": ("核验记录列表", "Checkpoint scans"),
    "ws.summary": ("概况", "At a glance"),
    "ws.count_passes": ("通行证", "Passes"),
    "ws.count_routes": ("路线", "Routes"),
    "ws.count_sites": ("站点", "Sites"),
    "ws.count_closures": ("道路封闭", "Closures"),
    "ws.now": ("当前时间（{tz}）", "Now ({tz})"),
    "ws.session_ends": ("本次登录有效至", "This sign-in lasts until"),
    # the checkpoint page
    "ckpt.title": ("通行证核验", "Pass checkpoint"),
    "ckpt.idle": ("扫码或粘贴通行证", "Scan or paste a pass"),
    "ckpt.scan": ("扫码", "Scan"),
    "ckpt.stop_scan": ("关闭摄像头", "Stop camera"),
    "ckpt.token": ("通行证代码", "Pass code"),
    "ckpt.plate": ("车辆号牌（可选）", "Plate on the vehicle (optional)"),
    "ckpt.location": ("检查点位置（经度,纬度）", "Checkpoint position (lon,lat)"),
    "ckpt.locate": ("定位", "Locate"),
    "ckpt.verify": ("核验", "Verify"),
    "ckpt.recorded_as": ("核验记录以 {name} 的身份保存。", "Scans are recorded as {name}."),
    "ckpt.js.pass": ("通行", "PASS"),
    "ckpt.js.stop": ("停车", "STOP"),
    "ckpt.js.pass_sub": ("核验通过", "All checks passed"),
    "ckpt.js.stop_sub": ("拦停核查", "Stop the vehicle and check"),
    "ckpt.js.busy": ("核验中…", "Checking…"),
    "ckpt.js.locating": ("定位中…", "Locating…"),
    "ckpt.js.located": ("已定位（误差约 {m} 米）", "Located (±{m} m)"),
    "ckpt.js.no_geo": ("此设备无法定位，请输入 经度,纬度", "This device cannot locate itself; type lon,lat"),
    "ckpt.js.geo_failed": ("定位失败：{error}；请输入 经度,纬度", "Location failed: {error}; type lon,lat"),
    "ckpt.js.need_token": ("请粘贴或扫描通行证", "Paste or scan a pass code"),
    "ckpt.js.need_location": (
        "请输入检查点位置 经度,纬度（如 113.2418,35.2156），或点击“定位”",
        "Type the checkpoint position lon,lat (e.g. 113.2418,35.2156) or press Locate",
    ),
    "ckpt.js.signed_out": ("登录已失效，请重新登录", "Your sign-in has ended; sign in again"),
    "ckpt.js.refused": ("无权核验（{status}）", "Not allowed to verify ({status})"),
    "ckpt.js.request_error": ("请求有误（{status}）", "Request error ({status})"),
    "ckpt.js.network_error": ("网络错误：{error}", "Network error: {error}"),
    "ckpt.js.no_qr": ("扫码组件未加载，请粘贴代码", "The QR scanner did not load; paste the code"),
    "ckpt.js.camera_failed": (
        "无法打开摄像头：{error}；请粘贴代码",
        "Camera unavailable: {error}; paste the code instead",
    ),
    "ckpt.js.pass_no": ("通行证号", "Pass"),
    "ckpt.js.plate": ("车牌", "Plate"),
    "ckpt.js.enterprise": ("企业", "Enterprise"),
    "ckpt.js.valid": ("有效期", "Valid"),
    "ckpt.js.checked_at": ("核验时间", "Checked at"),
    # refusals
    "refused.title": ("无权访问", "Not allowed"),
    "refused.text": (
        "您的角色（{role}）不能使用此页面；需要以下角色之一：{roles}。",
        "Your role ({role}) may not use this page; it needs one of: {roles}.",
    ),
    "refused.back": ("返回工作台", "Back to the workspace"),
    "error.title": ("出错了", "Something went wrong"),
    # /docs
    "docs.title": ("保通 接口文档", "Baotong API docs"),
}


def translate(key: str, lang: str, **values: object) -> str:
    """The catalog text ``key`` in ``lang``, with ``{name}`` fields filled from ``values``.

    Raises
    ------
    KeyError
        For a key not in :data:`CATALOG` (a programming error: every page text is in the catalog).
    """
    zh, en = CATALOG[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
