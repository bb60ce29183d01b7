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
    "nav.approvals": ("封闭审批", "Approvals"),
    "nav.new_closure": ("申请道路封闭", "File a closure"),
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
    "ws.approvals": (
        "道路封闭审批：待审批的封闭申请（最早的在前）、规则判定、影响和审批记录",
        "Closure approvals: the requests waiting (oldest first), the rules' decision, impact and history",
    ),
    "ws.new_closure": (
        "申请道路封闭：在地图上点选道路，提交前查看规则判定和影响",
        "File a road closure: pick the roads on the map, see the rules' decision and the impact before submitting",
    ),
    # the county's closure page
    "cl.title": ("申请道路封闭", "File a road closure"),
    "cl.intro": (
        "在地图上点击要封闭的道路（再次点击取消），填写方式、方向、时间和理由，先检查规则判定和影响，再提交。",
        "Click the roads to close on the map (click again to drop one), fill in the mode, direction, window and "
        "reason, check what the rules decide and the impact, then submit.",
    ),
    "cl.roads": ("已选道路", "Roads picked"),
    "cl.roads_empty": ("还没有选择道路：请在地图上点击道路。", "No road picked yet: click a road on the map."),
    "cl.remove": ("移除", "Remove"),
    "cl.starts": ("开始时间（{tz}）", "Starts ({tz})"),
    "cl.ends": ("结束时间（{tz}）", "Ends ({tz})"),
    "cl.check": ("检查规则与影响", "Check the rules and impact"),
    "cl.checking": ("正在检查……", "Checking…"),
    "cl.submit": ("提交申请", "Submit"),
    "cl.hint": (
        "提交前须先检查；更改道路或表单后请重新检查。被规则驳回的申请不能提交。",
        "Check before submitting, and again after changing the roads or the form. A request the rules reject "
        "cannot be submitted.",
    ),
    "cl.filed": ("已提交：{id}", "Filed: {id}"),
    "cl.outcome_rejected": ("规则驳回：此申请不能提交。", "Rejected by the rules: this request cannot be filed."),
    "cl.outcome_approved": (
        "规则允许（报备）：提交后立即生效，无需审批。",
        "Allowed by the rules (notice only): in force once filed, no approval needed.",
    ),
    "cl.outcome_pending": ("提交后等待审批。", "Once filed, it waits for an approver."),
    # the approvers' queue
    "ap.title": ("道路封闭审批", "Closure approvals"),
    "ap.intro": (
        "以下是等待审批的道路封闭申请，最早提交的在前。批准或驳回前请查看规则判定、原因和影响。",
        "These closure requests are waiting for a decision, oldest first. Read the rules' decision, the reasons "
        "and the impact before you approve or reject.",
    ),
    "ap.yours": ("待您审批", "Waiting for your decision"),
    "ap.elsewhere": ("等待省级审批（您可查看，不能审批）", "Waiting for the province (you may read, not decide)"),
    "ap.none": ("没有等待审批的申请。", "Nothing is waiting."),
    "ap.history": ("审批记录", "Decided closures"),
    "ap.history_none": ("还没有已决定的封闭。", "No closure has been decided yet."),
    "ap.waiting": ("已等待 {duration}", "waiting {duration}"),
    "ap.filed": ("{who} 提交于 {at}", "filed by {who} at {at}"),
    "ap.county": ("区县", "County"),
    "ap.roads": ("道路", "Roads"),
    "ap.road_unnamed": ("（无名道路）", "(unnamed road)"),
    "ap.mode": ("方式", "Mode"),
    "ap.direction": ("方向", "Direction"),
    "ap.window": ("时间", "Window"),
    "ap.reason": ("申请理由", "Reason given"),
    "ap.decision": ("规则判定", "The rules' decision"),
    "ap.reasons": ("依据", "Reasons"),
    "ap.blocking": ("不能批准的原因", "Why it cannot be approved"),
    "ap.impact": ("影响", "Impact"),
    "ap.cut_enterprises": ("与所有枢纽断开的白名单企业", "Whitelist enterprises cut off from every hub"),
    "ap.losing_hub": ("失去最近枢纽的企业", "Enterprises losing their nearest hub"),
    "ap.hubs_cut": ("被切断的枢纽", "Hubs cut off"),
    "ap.channels_hit": ("受影响的绿色通道", "Green channels affected"),
    "ap.routes_hit": ("受影响的已规划路线", "Planned routes affected"),
    "ap.passes_hit": ("受影响的通行证", "Passes affected"),
    "ap.severed": ("被切断（无绕行）", "severed (no detour)"),
    "ap.detour": ("绕行 {duration}", "detour {duration}"),
    "ap.stranded": (
        "封闭路段以外无法驶入或驶出的路网节点：{count} 个",
        "Road nodes beyond the closure that can no longer be left or reached: {count}",
    ),
    "ap.od": (
        "抽样起讫点 {pairs} 对：{slower} 对变慢，{unreachable} 对不可达",
        "Sampled origin-destination pairs {pairs}: {slower} slower, {unreachable} unreachable",
    ),
    "ap.no_impact": (
        "未发现对企业、枢纽、绿色通道、路线和通行证的影响。",
        "No enterprise, hub, green channel, route or pass is affected.",
    ),
    "ap.map": ("在地图上查看", "Open on the map"),
    "ap.impact_json": ("完整影响报告（JSON）", "The whole impact report (JSON)"),
    "ap.note": ("审批意见（可选）", "Note (optional)"),
    "ap.approve": ("批准", "Approve"),
    "ap.reject": ("驳回", "Reject"),
    "ap.approved_msg": ("已批准。", "Approved."),
    "ap.rejected_msg": ("已驳回。", "Rejected."),
    "ap.steps": ("经过", "Steps"),
    "ap.step_requested": ("提交申请", "requested"),
    "ap.step_decided": ("规则判定", "decided by the rules"),
    "ap.step_auto_approved": ("自动批准（报备）", "approved automatically (notice only)"),
    "ap.step_approved": ("批准", "approved"),
    "ap.step_rejected": ("驳回", "rejected"),
    "ap.status": ("状态", "Status"),
    "ap.dir_both": ("双向", "both directions"),
    "ap.dir_forward": ("沿道路方向", "forward (along the way)"),
    "ap.dir_backward": ("逆道路方向", "backward (against the way)"),
    # refusals
    "refused.title": ("无权访问", "Not allowed"),
    "refused.text": (
        "您的角色（{role}）不能使用此页面；需要以下角色之一：{roles}。",
        "Your role ({role}) may not use this page; it needs one of: {roles}.",
    ),
    "refused.back": ("返回工作台", "Back to the workspace"),
    # the planner's zone page
    "nav.zones": ("风险区域编辑", "Zones"),
    "ws.zones": (
        "风险区域编辑：在地图上绘制、修改、解除封控区、管控区、防范区，即时查看区域内道路和受影响的路线、通行证",
        "Zones: draw, edit and lift sealed, controlled and precaution zones on the map, and see at once the roads "
        "inside and the routes and passes they touch",
    ),
    "zn.title": ("风险区域编辑", "Emergency zones"),
    "zn.intro": (
        "用地图左上角的工具绘制多边形、矩形或圆形区域，填写名称、风险等级、区县和有效期后保存；"
        "点击已有区域可修改轮廓或属性，或解除。",
        "Draw a polygon, rectangle or circle with the tools on the map, fill in its name, risk, county and "
        "validity window and save; click a zone to edit its outline or properties, or lift it.",
    ),
    "zn.new": ("新区域", "New zone"),
    "zn.selected": ("已选区域 {id}（第 {version} 版）", "Zone {id} (version {version})"),
    "zn.draw_first": ("请先在地图上绘制区域。", "Draw the zone on the map first."),
    "zn.name": ("名称", "Name"),
    "zn.risk": ("风险等级", "Risk"),
    "zn.county": ("区县", "County"),
    "zn.no_county": ("（不指定）", "(none)"),
    "zn.valid_from": ("生效时间（{tz}）", "Valid from ({tz})"),
    "zn.valid_until": ("失效时间（{tz}）", "Valid until ({tz})"),
    "zn.reason": ("修改说明（可选）", "Reason for the change (optional)"),
    "zn.save": ("保存", "Save"),
    "zn.delete": ("解除区域", "Lift zone"),
    "zn.cancel": ("取消选择", "Deselect"),
    "zn.confirm_delete": (
        "确定解除区域 {name}？解除后路线不再绕行，历史记录保留。",
        "Lift zone {name}? Routes stop avoiding it; its history is kept.",
    ),
    "zn.saved": ("已保存：{id}（第 {version} 版）", "Saved: {id} (version {version})"),
    "zn.deleted": ("已解除：{id}", "Lifted: {id}"),
    "zn.conflict": (
        "该区域已被他人修改，已重新载入最新版本，请核对后再修改。",
        "Someone else changed this zone meanwhile; it has been reloaded. Check it and make your change again.",
    ),
    "zn.effect": ("影响", "Effect"),
    "zn.effect_empty": (
        "绘制或选择区域后，这里显示区域内道路和经过它的路线、通行证。",
        "Draw or select a zone to see the roads inside and the routes and passes crossing it.",
    ),
    "zn.effect_loading": ("正在计算……", "Working it out…"),
    "zn.roads_inside": ("区域内道路 {km} 公里（{n} 段）", "Roads inside: {km} km ({n} segments)"),
    "zn.routes_crossing": ("经过的已存路线：{n} 条", "Stored routes crossing it: {n}"),
    "zn.passes_crossing": ("经过的有效通行证：{n} 张", "Valid passes crossing it: {n}"),
    "zn.history": ("版本记录", "History"),
    "zn.history_empty": ("选择区域后显示其版本记录。", "Select a zone to see its versions."),
    "zn.action_create": ("创建", "created"),
    "zn.action_update": ("修改", "changed"),
    "zn.action_delete": ("解除", "lifted"),
    "zn.field_geometry": ("轮廓", "outline"),
    "zn.risk_sealed": ("封控区（高风险）", "sealed (high risk)"),
    "zn.risk_controlled": ("管控区（中风险）", "controlled (medium risk)"),
    "zn.risk_precaution": ("防范区（低风险）", "precaution (low risk)"),
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
