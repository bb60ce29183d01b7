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
    "nav.imports": ("导入", "Import"),
    "nav.plan": ("规划", "Plan"),
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
    "ws.imports": (
        "导入：风险区域文件（GeoJSON、KML、Shapefile、表格），企业、枢纽、候选中转站表格，企业车辆和司乘人员表格，"
        "逐行检查后确认入库",
        "Import: zone files (GeoJSON, KML, Shapefile, tables), tables of enterprises, hubs and candidate stations, "
        "and of an enterprise's vehicles and crew, checked row by row, stored when you confirm",
    ),
    "ws.plan": (
        "规划：在地图上放置和移动站点，中转站选址，接驳点、固定接收点和绿色通道",
        "Plan: place and move sites on the map, site transfer stations, docking points, drop points and green channels",
    ),
    # the planner's plan page
    "pl.title": ("规划", "Plan"),
    "pl.intro": (
        "在地图上放置站点（拖动可移动），进行中转站选址，规划区域的接驳点和封控企业的固定接收点，开通枢纽间的绿色通道。",
        "Place sites on the map (drag one to move it), site the transfer stations, plan a zone's docking points and "
        "a sealed enterprise's drop point, and open green channels between hubs.",
    ),
    "pl.sites": ("站点", "Sites"),
    "pl.sites_help": (
        "填写后点击“在地图上放置”，再点击地图上的位置；拖动已有站点可移动它。",
        'Fill in the form, press "Place on the map", then click the place; drag a site to move it.',
    ),
    "pl.whitelist": ("白名单企业", "Whitelist enterprise"),
    "pl.sector": ("行业", "Sector"),
    "pl.place": ("在地图上放置", "Place on the map"),
    "pl.placing": ("请点击地图上的位置……", "Click the place on the map…"),
    "pl.placed": ("已添加：{name}（距道路 {m} 米）", "Added: {name} ({m} m from the road)"),
    "pl.move_ask": ("将 {name} 移到新位置？", "Move {name} to the new place?"),
    "pl.move_yes": ("移动", "Move"),
    "pl.move_no": ("取消", "Cancel"),
    "pl.moved": ("已移动：{name}。", "Moved: {name}."),
    "pl.siting": ("中转站选址", "Transfer-station siting"),
    "pl.model": ("模型", "Model"),
    "pl.model_p_median": ("p-中位（总时间最短）", "p-median (least total time)"),
    "pl.model_mclp": ("最大覆盖（服务时间内覆盖最多）", "maximal covering (most demand within the time)"),
    "pl.model_lscp": ("集合覆盖（最少站点全覆盖）", "set covering (fewest stations covering all)"),
    "pl.p": ("站点数 p", "Stations p"),
    "pl.service_min": ("服务时间（分钟）", "Service time (minutes)"),
    "pl.time_limit": ("计算时限（秒）", "Time limit (seconds)"),
    "pl.run_siting": ("开始选址", "Run the siting"),
    "pl.working": ("正在计算……", "Working…"),
    "pl.plan_done": ("方案 {id}：选出 {n} 个中转站（{status}）", "Plan {id}: {n} stations chosen ({status})"),
    "pl.station": ("中转站", "Station"),
    "pl.served": ("服务 {n} 个需求点，平均 {min} 分钟", "serves {n} demand points, {min} min on average"),
    "pl.docking": ("接驳点", "Docking points"),
    "pl.zone": ("区域", "Zone"),
    "pl.k": ("接驳点数量", "Number of docking points"),
    "pl.plan_docking": ("规划接驳点", "Plan the docking points"),
    "pl.docking_done": ("已规划 {n} 个接驳点。", "{n} docking points planned."),
    "pl.drop": ("固定接收点", "Drop point"),
    "pl.plan_drop": ("规划固定接收点", "Plan the drop point"),
    "pl.drop_done": ("已规划固定接收点（{road}）。", "Drop point planned ({road})."),
    "pl.channel": ("绿色通道", "Green channel"),
    "pl.channel_help": (
        "从区域内的铁路或客运站枢纽到区域外的枢纽，点对点受保护。",
        "From a rail or coach hub inside a zone to a hub outside, protected point to point.",
    ),
    "pl.channel_from": ("起点（区域内的铁路或客运站）", "From (a rail or coach hub inside a zone)"),
    "pl.channel_to": ("终点（区域外的枢纽）", "To (a hub outside)"),
    "pl.open_channel": ("开通绿色通道", "Open the green channel"),
    "pl.channel_done": ("已开通：{name}（{km} 公里）", "Opened: {name} ({km} km)"),
    "pl.none": ("请先选择。", "Choose one first."),
    "pl.colon": ("：", ": "),
    # the planner's import page
    "im.title": ("导入区域、站点、车辆和人员", "Import zones, sites, vehicles and crew"),
    "im.intro": (
        "选择文件并检查：系统逐条列出通过、已修复（修复了什么）和被拒绝（原因）的记录，此时尚未保存。"
        "勾选要保存的记录后确认，所选记录在一个事务中全部保存。",
        "Choose a file and check it: every row is listed as accepted, repaired (with what) or rejected (with "
        "why), and nothing is stored yet. Keep the rows to store ticked and confirm: they are stored together.",
    ),
    "im.zones": ("风险区域", "Emergency zones"),
    "im.zones_help": (
        "GeoJSON、KML、压缩的 Shapefile（按 .prj 转换坐标），或带 WKT 列、经纬度和半径列的 CSV/XLSX。",
        "GeoJSON, KML, a zipped Shapefile (reprojected from its .prj), or CSV/XLSX with a WKT column or "
        "lon/lat and radius columns.",
    ),
    "im.sites": ("企业、枢纽和候选中转站", "Enterprises, hubs and candidate stations"),
    "im.sites_help": (
        "带经度、纬度（或 WKT）、名称、白名单、行业、区县代码列的 CSV/XLSX，或 GeoJSON。",
        "CSV/XLSX with longitude, latitude (or WKT), name, whitelist, sector and county columns, or GeoJSON.",
    ),
    "im.templates": ("模板：", "Templates:"),
    "im.fleet": ("企业车辆和人员", "An enterprise's vehicles and crew"),
    "im.fleet_help": (
        "CSV/XLSX：车辆（车牌号、车辆归属、是否外省、车高、总质量、车宽）或人员（姓名、身份证后四位、岗位、"
        "核酸采样时间、高频接触岗位）。身份证号只读取后四位，其余不保存。",
        "CSV/XLSX: vehicles (plate, ownership, out of province, height, weight, width) or crew (name, last 4 of "
        "the ID, role, test time, high-contact role). Of an ID number only the last 4 characters are read; the "
        "rest is not kept.",
    ),
    "im.enterprise": ("企业", "Enterprise"),
    "im.fleet_kind": ("导入内容", "What the table holds"),
    "im.vehicles": ("车辆", "Vehicles"),
    "im.crew": ("司乘人员", "Crew"),
    "im.file": ("文件", "File"),
    "im.default_risk": ("风险等级（文件中没有时）", "Risk (for features without one)"),
    "im.risk_from_file": ("按文件", "as in the file"),
    "im.kind": ("站点类型", "Kind of site"),
    "im.crs": ("坐标系", "Coordinates"),
    "im.crs_wgs84": ("WGS-84（GPS、OpenStreetMap）", "WGS-84 (GPS, OpenStreetMap)"),
    "im.crs_gcj02": ("GCJ-02（国内地图应用）", "GCJ-02 (Chinese map apps)"),
    "im.check": ("检查文件", "Check the file"),
    "im.checking": ("正在检查……", "Checking…"),
    "im.no_file": ("请先选择文件。", "Choose a file first."),
    "im.keep": ("保存", "Keep"),
    "im.row": ("记录", "Row"),
    "im.status": ("结果", "Result"),
    "im.name": ("名称", "Name"),
    "im.details": ("说明", "Details"),
    "im.accepted": ("通过", "accepted"),
    "im.repaired": ("已修复", "repaired"),
    "im.rejected": ("拒绝", "rejected"),
    "im.counts": (
        "{file}：通过 {accepted} 条，已修复 {repaired} 条，拒绝 {rejected} 条（尚未保存）",
        "{file}: {accepted} accepted, {repaired} repaired, {rejected} rejected (nothing stored yet)",
    ),
    "im.confirm": ("确认保存所选 {n} 条", "Store the {n} kept"),
    "im.none_kept": ("没有要保存的记录", "Nothing kept to store"),
    "im.stored": ("已保存 {n} 条。", "{n} stored."),
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
    "ckpt.offline_title": ("离线核验", "Offline checks"),
    "ckpt.js.offline": ("离线核验", "Offline check"),
    "ckpt.js.offline_now": ("无信号：离线核验", "No signal: checking offline"),
    "ckpt.js.list_age": ("名单更新于 {time}", "List updated {time}"),
    "ckpt.js.list_missing": (
        "本机尚无吊销名单，联网打开本页一次后才能离线核验",
        "No revocation list on this device yet; open this page once online to check offline",
    ),
    "ckpt.js.queued": ("待上传离线核验记录：{n} 条", "Offline scans waiting for upload: {n}"),
    "ckpt.js.uploaded": ("已上传离线核验记录 {n} 条", "Uploaded {n} offline scans"),
    "ckpt.js.upload_refused": ("上传被拒（{status}）：{detail}", "Upload refused ({status}): {detail}"),
    "ckpt.js.upload_signin": (
        "离线核验记录待上传：请重新登录后自动上传",
        "Offline scans are waiting: sign in again and they upload",
    ),
    "ckpt.js.dismiss": ("移除", "Remove"),
    "ckpt.js.other_officer": (
        "其中 {n} 条由 {name} 核验，待其登录后上传",
        "{n} of them were made by {name} and upload when they sign in",
    ),
    "ckpt.js.pass_no": ("通行证号", "Pass"),
    "ckpt.js.plate": ("车牌", "Plate"),
    "ckpt.js.enterprise": ("企业", "Enterprise"),
    "ckpt.js.valid": ("有效期", "Valid"),
    "ckpt.js.checked_at": ("核验时间", "Checked at"),
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
    # the command dashboard
    "nav.dashboard": ("指挥大屏", "Dashboard"),
    "ws.dashboard": (
        "指挥大屏：一屏掌控白名单运行状态——风险区域、道路封闭、通行证、检查站核验、企业和路线，实时更新并提示需处理的告警",
        "Dashboard: the whitelist's state on one screen -- zones, closures, passes, checkpoint scans, enterprises "
        "and routes, live, with the alerts that need a person",
    ),
    "dash.title": ("指挥大屏", "Command dashboard"),
    "dash.live": ("实时", "Live"),
    "dash.zones": ("风险区域（生效中）", "Zones in force"),
    "dash.risk_sealed": ("封控区", "Sealed"),
    "dash.risk_controlled": ("管控区", "Controlled"),
    "dash.risk_precaution": ("防范区", "Precaution"),
    "dash.starting_24h": ("24 小时内生效", "Starting within 24 h"),
    "dash.ending_24h": ("24 小时内解除", "Ending within 24 h"),
    "dash.by_county": ("按区县", "By county"),
    "dash.county": ("区县", "County"),
    "dash.closures": ("道路封闭", "Closures"),
    "dash.pending_city": ("待市级审批", "Waiting for the city"),
    "dash.pending_province": ("待省级审批", "Waiting for the province"),
    "dash.oldest_wait": ("最长等待", "Longest wait"),
    "dash.approved_in_force": ("已批准生效", "Approved, in force"),
    "dash.passes": ("通行证", "Passes"),
    "dash.valid_now": ("当前有效", "Valid now"),
    "dash.issued_today": ("今日签发", "Issued today"),
    "dash.revoked_today": ("今日撤销", "Revoked today"),
    "dash.superseded_today": ("今日被替换", "Superseded today"),
    "dash.scans": ("检查站核验", "Checkpoint scans"),
    "dash.last_hour": ("近 1 小时", "Last hour"),
    "dash.last_24h": ("近 24 小时", "Last 24 h"),
    "dash.pass": ("通行", "PASS"),
    "dash.stop": ("停车", "STOP"),
    "dash.stop_reasons": ("停车原因（24 小时）", "STOP reasons (24 h)"),
    "dash.checkpoints": ("检查站（24 小时）", "Checkpoints (24 h)"),
    "dash.checkpoint": ("检查站", "Checkpoint"),
    "dash.enterprises": ("白名单企业", "Whitelist enterprises"),
    "dash.whitelist": ("在白名单", "On the whitelist"),
    "dash.fused_today": ("今日熔断", "Fused today"),
    "dash.cut_off": ("被已批准封闭切断", "Cut off by approved closures"),
    "dash.routes": ("今日路线", "Routes today"),
    "dash.planned": ("已规划", "Planned"),
    "dash.crossing_share": ("需穿越风险区比例", "Share crossing a zone"),
    "dash.series": ("每小时核验量", "Scans per hour"),
    "dash.alerts": ("告警", "Alerts"),
    "dash.no_alerts": ("暂无告警", "No alerts"),
    "dash.js.connecting": ("正在连接…", "Connecting…"),
    "dash.js.live": ("实时更新中", "Live"),
    "dash.js.reconnecting": ("连接中断，正在重连…", "Connection lost, reconnecting…"),
    "dash.js.updated": ("更新于", "Updated"),
    "dash.js.pass": ("通行", "PASS"),
    "dash.js.stop": ("停车", "STOP"),
    "dash.js.none": ("无", "none"),
    "dash.js.no_alerts": ("暂无告警", "No alerts"),
    "dash.js.closure_waiting": (
        "道路封闭 {closure}（{level}）已等待审批 {wait}",
        "Closure {closure} ({level}) has waited {wait} for approval",
    ),
    "dash.js.level_city": ("市级", "city"),
    "dash.js.level_province": ("省级", "province"),
    "dash.js.stop_rate": (
        "检查站 {checkpoint} 近 1 小时停车 {stops}/{scans}，远高于其近 7 天比例 {rate}（z = {z}）",
        "Checkpoint {checkpoint}: {stops} of {scans} stopped in the last hour, far above its 7-day rate {rate} "
        "(z = {z})",
    ),
    "dash.js.impossible_travel": (
        "通行证 {pass_no} 在 {elapsed} 内先后于两地扫码，相距 {distance}，货车最快需 {fastest}",
        "Pass {pass_no} scanned at two places {elapsed} apart, {distance} away; the fastest truck needs {fastest}",
    ),
    "dash.js.fused_pass_used": (
        "通行证 {pass_no} 在其企业 {enterprise} 熔断后于 {at} 被使用",
        "Pass {pass_no} used at {at} after its enterprise {enterprise} was fused",
    ),
    "dash.js.layer_zones": ("风险区域", "Zones"),
    "dash.js.layer_closures": ("道路封闭", "Closures"),
    "dash.js.layer_green": ("绿色通道", "Green channels"),
    "dash.js.layer_stations": ("中转站", "Stations"),
    "dash.js.layer_docking": ("接驳点", "Docking points"),
    "dash.js.layer_drops": ("固定接收点", "Drop points"),
    "dash.js.layer_checkpoints": ("检查站", "Checkpoints"),
    "dash.js.starting_soon": ("24 小时内生效", "starts within 24 h"),
    "dash.js.ending_soon": ("24 小时内解除", "ends within 24 h"),
    "dash.js.approved": ("已批准", "approved"),
    "dash.js.pending": ("待审批", "pending"),
    "dash.js.sealed": ("封控区", "sealed"),
    "dash.js.controlled": ("管控区", "controlled"),
    "dash.js.precaution": ("防范区", "precaution"),
    "dash.js.hours": ("小时", "h"),
    "dash.js.minutes": ("分", "min"),
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
