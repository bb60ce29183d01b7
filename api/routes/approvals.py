"""The approvers' pages: ``GET /approvals`` (the queue and the history) and ``GET /closures/{id}/map``.

City and provincial approvers see the closures waiting for a decision, oldest first, each with the
rules' decision, every reason and rule id, the blocking reasons, the impact and a map; they approve
or reject with a note through the same ``POST /closures/{id}/approve|reject`` a program calls (the
page's script sends the session's CSRF token).  A closure that needs the province is shown to a city
approver but has no buttons.  Below the queue, the latest decided closures with every step: who
filed, who decided and when, the notes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import BureauReader, ContextDep, SessionDep, page_user, web_session
from api.i18n import page_lang
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


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, ctx: ContextDep, session: SessionDep, user: ApproverPage) -> HTMLResponse:
    """The approver's queue (oldest first) and the history of decided closures."""
    lang = page_lang(request)
    words = VALUE_LABELS.get(lang, {})
    queue = closures.approval_queue(session, user=user)
    return pages.render(
        request,
        ctx,
        "approvals.html",
        user=user,
        session=web_session(request, ctx),
        queue=queue,
        impact_of=_impact_rows,
        word=lambda value: _word(words, value),
        text=lambda value: text_in(value, lang),
        p=PUNCTUATION[lang],
    )


@router.get("/closures/{closure_id}/map", response_class=HTMLResponse)
def closure_map(
    request: Request, closure_id: str, ctx: ContextDep, session: SessionDep, user: BureauReader
) -> HTMLResponse:
    """One closure's map: its road by decision, the enterprises it cuts off, green channels and the zones
    (the bureau's roles: it shows the impact)."""
    content = layers.closure_map(session, closure_id)
    return pages.content_page(request, ctx, content, user=user, session=web_session(request, ctx))
