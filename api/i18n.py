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
    # the dispatcher's trip and passes pages
    "nav.new_trip": ("规划行程", "Plan a trip"),
    "nav.trip_passes": ("本企业通行证", "Our passes"),
    "ws.new_trip": (
        "规划行程：在地图上点选起终点和途经点，查看闭环路线、穿越的区域和说明，并据此申请通行证",
        "Plan a trip: click the origin, destination and waypoints, see the closed-loop route, the zones crossed "
        "and the explanation, and request a pass from it",
    ),
    "ws.trip_passes": (
        "本企业通行证：状态、核验记录、打印页，续期或作废",
        "Our passes: status, checkpoint scans, print pages, renew or cancel",
    ),
    "tp.title": ("规划行程", "Plan a trip"),
    "tp.intro": (
        "在地图上点击设置起点、终点和途经点（或从本企业站点中选择），选择车辆和出发时间后规划闭环路线：途经风险区域可以通过，不得停留。",
        "Click the map to set the origin, destination and waypoints (or choose the enterprise's sites), pick the "
        "vehicle and the departure, and plan the closed-loop route: a truck may pass through emergency zones but "
        "never stop inside.",
    ),
    "tp.trip": ("行程", "Trip"),
    "tp.click_sets": ("点击地图设置", "A click on the map sets"),
    "tp.origin": ("起点", "Origin"),
    "tp.destination": ("终点", "Destination"),
    "tp.waypoint": ("途经点", "Waypoint"),
    "tp.waypoints": ("途经点", "Waypoints"),
    "tp.clear_waypoints": ("清除途经点", "Clear waypoints"),
    "tp.origin_site": ("起点（本企业站点）", "Origin (an enterprise site)"),
    "tp.destination_site": ("终点（本企业站点）", "Destination (an enterprise site)"),
    "tp.on_map": ("在地图上点选", "Picked on the map"),
    "tp.enterprise": ("企业", "Enterprise"),
    "tp.vehicle": ("车辆", "Vehicle"),
    "tp.no_vehicles": ("本企业尚未登记车辆", "The enterprise has no registered vehicle"),
    "tp.departure": ("出发时间（{tz}）", "Departure ({tz})"),
    "tp.plan": ("规划路线", "Plan the route"),
    "tp.planning": ("正在规划……", "Planning…"),
    "tp.need_ends": ("请先在地图上设置起点和终点。", "Set the origin and the destination on the map first."),
    "tp.route": ("闭环路线", "Closed-loop route"),
    "tp.route_map": ("打开路线地图", "Open the route map"),
    "tp.length": ("里程", "Length"),
    "tp.duration": ("行驶时间", "Driving time"),
    "tp.departs": ("出发", "Departs"),
    "tp.inside_total": ("区内总时长", "Time inside zones"),
    "tp.legs": ("路段", "Legs"),
    "tp.leg_origin": ("起点段", "Origin leg"),
    "tp.leg_transit": ("干线段", "Transit leg"),
    "tp.leg_destination": ("终点段", "Destination leg"),
    "tp.leg_inside": ("区内段", "Inside a zone"),
    "tp.zones": ("穿越的区域", "Zones crossed"),
    "tp.zone": ("区域", "Zone"),
    "tp.entry": ("驶入点", "Entry"),
    "tp.exit": ("驶出点", "Exit"),
    "tp.time_inside": ("区内时长", "Time inside"),
    "tp.no_zones": ("路线不穿越任何风险区域。", "The route crosses no emergency zone."),
    "tp.warnings": ("提示", "Warnings"),
    "tp.explanation": ("说明：", "Why this route:"),
    "tp.risk_sealed": ("封控区", "sealed zone"),
    "tp.risk_controlled": ("管控区", "controlled zone"),
    "tp.risk_precaution": ("防范区", "precaution zone"),
    "tp.choice_free": (
        "最快的合法货车路线不经过封控区或管控区。",
        "The fastest legal truck route meets no sealed or controlled zone.",
    ),
    "tp.choice_avoid": (
        "最快路线穿越封控区或管控区，绕行路线在允许的绕行比例内，因此绕行。",
        "The fastest route crosses sealed or controlled zones and a way round them is within the allowed detour, "
        "so the route goes round.",
    ),
    "tp.choice_min_inside": (
        "允许通行、不得停留：没有可行的绕行路线，路线尽量缩短在区域内的时间。",
        "Passing through is allowed, stopping is not: no acceptable way round, so the route keeps the time inside "
        "the zones short.",
    ),
    "tp.choice_inside": (
        "起点或终点位于区域内：区域内路段由区内车辆完成。",
        "The origin or destination lies inside a zone: an inside vehicle drives that leg.",
    ),
    "tp.no_stop": (
        "路线穿越封控区或管控区（区内 {duration}）：途中不得停留。",
        "The route passes through sealed or controlled zones ({duration} inside): do not stop inside them.",
    ),
    "tp.engine_text": ("路线引擎原文", "The routing engine's words"),
    "tp.request_pass": ("按此路线申请通行证", "Request a pass for this route"),
    "tp.crew": ("随车人员", "Crew"),
    "tp.no_crew": ("本企业尚未登记随车人员", "The enterprise has no registered crew"),
    "tp.cargo": ("货物类别", "Cargo"),
    "tp.cargo_default": ("生活物资", "daily necessities"),
    "tp.valid_from": ("有效期自（{tz}）", "Valid from ({tz})"),
    "tp.valid_until": ("有效期至（{tz}）", "Valid until ({tz})"),
    "tp.request": ("申请通行证", "Request the pass"),
    "tp.issued": ("已签发通行证 {no}", "Pass {no} issued"),
    "tp.conflict": (
        "该车辆已持有有效通行证 {no}，时间重叠：一车一证。",
        "The vehicle already holds valid pass {no} for an overlapping window: one vehicle, one pass.",
    ),
    "tp.replace": ("以新通行证替换它", "Replace it with the new pass"),
    "tp.passes_link": ("查看本企业通行证", "See the enterprise's passes"),
    "tp.passes_title": ("本企业通行证", "The enterprise's passes"),
    "tp.passes_intro": ("共 {count} 张通行证，最新的在前。", "{count} passes, newest first."),
    "tp.no_passes": ("还没有通行证。", "No pass yet."),
    "tp.status_valid": ("有效", "valid"),
    "tp.status_expired": ("已过期", "expired"),
    "tp.status_revoked": ("已撤销", "revoked"),
    "tp.status_superseded": ("已被替换", "superseded"),
    "tp.status_fused": ("企业已熔断", "enterprise fused"),
    "tp.status_not_yet_valid": ("尚未生效", "not yet valid"),
    "tp.window": ("有效期", "Valid"),
    "tp.issued_at": ("签发时间", "Issued"),
    "tp.revoked_at": ("撤销", "Revoked"),
    "tp.superseded_by": ("替换为", "Superseded by"),
    "tp.cancelled": ("企业已作废", "cancelled by the enterprise"),
    "tp.replaces": ("替换了", "Replaces"),
    "tp.scans": ("核验记录（{count}）", "Checkpoint scans ({count})"),
    "tp.no_scans": ("尚无核验记录。", "No scan yet."),
    "tp.print": ("打印通行证", "Print the pass"),
    "tp.renew": ("续期", "Renew"),
    "tp.cancel": ("作废", "Cancel"),
    "tp.confirm_cancel": ("再次点击确认作废", "Click again to cancel the pass"),
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
