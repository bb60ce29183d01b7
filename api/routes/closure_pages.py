"""The closure pages: a county files a closure on the map (``GET /closures/new``); approvers decide from
their queue (``GET /approvals``); one closure's map (``GET /closures/{id}/map``).

A county official clicks the roads to close on the map over the offline basemap: each click asks
``GET /closures/road-at`` for the OSM way under it, which is highlighted and listed with its name, ref
and grade (a second click on it drops it).  With the mode, direction, window and reason filled in, the
page asks ``POST /closures/preview`` for what the rules decide -- rejected, allowed, needs city or
provincial approval, every reason and rule id, the blocking reasons and the impact -- before the official
submits the same body to ``POST /closures``.

City and provincial approvers see the closures waiting for a decision, oldest first, each with the
rules' decision, every reason and rule id, the blocking reasons, the impact and a map; they approve
or reject with a note through the same ``POST /closures/{id}/approve|reject`` a program calls (the
page's script sends the session's CSRF token).  A closure that needs the province is shown to a city
approver but has no buttons.  Below the queue, the latest decided closures with every step: who
filed, who decided and when, the notes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import BureauReader, ContextDep, CountyUser, SessionDep, page_user, web_session
from api.i18n import page_lang
from api.routes.closures import closure_request
from api.schemas.closures import ClosureCreate
from geo.i18n import text_in
from maps.views import VALUE_LABELS
from services import closures, layers
from store.users import Principal

router = APIRouter(tags=["approvals"], include_in_schema=False)

APPROVER_ROLES = ("city_approver", "province_approver")
#: The page's punctuation: full-width in Chinese.
PUNCTUATION = {
    "zh": {"colon": "：", "lp": "（", "rp": "）", "sep": "、"},
    "en": {"colon": ": ", "lp": " (", "rp": ")", "sep": ", "},
}
ApproverPage = Annotated[Principal, Depends(page_user(*APPROVER_ROLES))]
CountyPage = Annotated[Principal, Depends(page_user("county"))]
#: The closure modes and directions the form offers, in the order shown (the first is the default).
FORM_MODES = ("checkpoint", "lane", "hard_barrier")
FORM_DIRECTIONS = ("both", "forward", "backward")
#: A new closure's window unless the official changes it.
DEFAULT_WINDOW = timedelta(hours=6)
#: Road grades, whose words the page's script shows beside a picked road.
GRADE_WORDS = ("expressway", "national", "provincial", "county", "township", "village", "urban")


def _word(words: dict[str, str], value: object) -> str:
    """A stored code (``needs_city_approval``, ``hard_barrier``) as a word of the page's language."""
    if value is None:
        return "—"
    return words.get(str(value)) or str(value).replace("_", " ")


def _impact_rows(impact: dict[str, Any]) -> dict[str, Any]:
    """The impact's figures an approver reads first (the whole report stays at ``GET /closures/{id}/impact``)."""
    corridors = impact.get("corridors", [])
    channels = impact.get("green_channels", [])
    hit = [c for c in corridors if c.get("closed_arcs_used")]
    return {
        "cut_enterprises": impact.get("cut_enterprises", []),
        "losing_nearest_hub": impact.get("enterprises_losing_nearest_hub", []),
        "hubs_cut_off": impact.get("hubs_cut_off", []),
        "channels_hit": [c for c in channels if c.get("closed_arcs_used")],
        "routes_hit": [c for c in hit if c.get("kind") == "route"],
        "passes_hit": [c for c in hit if c.get("kind") == "pass"],
        "severed": [c for c in hit + channels if c.get("severed")],
        "bridge": impact.get("bridge") or {},
        "od": impact.get("od_sample") or {},
        "notes": impact.get("notes", []),
    }


def closure_words(lang: str) -> dict[str, Any]:
    """What the closure templates (``_closures.html``) use to write a closure in ``lang``: ``word`` for the
    stored codes, ``text`` for bilingual texts, ``impact_of`` for the impact's figures, ``p`` for punctuation."""
    words = VALUE_LABELS.get(lang, {})
    return {
        "word": lambda value: _word(words, value),
        "text": lambda value: text_in(value, lang),
        # a rule's or blocking reason's words: its Chinese twin (``text_zh``) for a Chinese reader
        "reason_words": lambda r: (r.get("text_zh") if lang == "zh" else None) or r.get("text", ""),
        "impact_of": _impact_rows,
        "p": PUNCTUATION[lang],
    }


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, ctx: ContextDep, session: SessionDep, user: ApproverPage) -> HTMLResponse:
    """The approver's queue (oldest first) and the history of decided closures."""
    queue = closures.approval_queue(session, user=user)
    return pages.render(
        request,
        ctx,
        "approvals.html",
        user=user,
        session=web_session(request, ctx),
        queue=queue,
        **closure_words(page_lang(request)),
    )


@router.get("/closures/{closure_id}/map", response_class=HTMLResponse)
def closure_map(
    request: Request, closure_id: str, ctx: ContextDep, session: SessionDep, user: BureauReader
) -> HTMLResponse:
    """One closure's map: its road by decision, the enterprises it cuts off, green channels and the zones
    (the bureau's roles: it shows the impact)."""
    content = layers.closure_map(session, closure_id)
    return pages.content_page(request, ctx, content, user=user, session=web_session(request, ctx))


@router.get("/closures/new", response_class=HTMLResponse)
def new_closure_page(request: Request, ctx: ContextDep, user: CountyPage) -> HTMLResponse:
    """The county official's page: pick the roads on the map, see the rules' decision and the impact, submit."""
    lang = page_lang(request)
    tz = ctx.settings.tz()
    start = (datetime.now(tz) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    start = start.replace(minute=start.minute - start.minute % 10)
    values = closure_words(lang)
    return pages.render(
        request,
        ctx,
        "closure_new.html",
        user=user,
        session=web_session(request, ctx),
        config=pages.map_config(ctx, lang),
        county_codes=ctx.settings.county_codes,
        modes=FORM_MODES,
        directions=FORM_DIRECTIONS,
        default_start=start.strftime("%Y-%m-%dT%H:%M"),
        default_end=(start + DEFAULT_WINDOW).strftime("%Y-%m-%dT%H:%M"),
        grades={k: values["word"](k) for k in GRADE_WORDS},
        **values,
    )


@router.post("/closures/new/check", response_class=HTMLResponse)
def check_new_closure(
    request: Request, body: ClosureCreate, ctx: ContextDep, session: SessionDep, user: CountyUser
) -> HTMLResponse:
    """The page's check before filing: :func:`services.closures.preview_closure` (as ``POST /closures/preview``)
    written as the decision, reasons and impact the approvers will read.  Bad input answers as the API does."""
    preview = closures.preview_closure(ctx, session, closure_request(body))
    return pages.render(request, ctx, "_closure_check.html", user=user, c=preview, **closure_words(page_lang(request)))
