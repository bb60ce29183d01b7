"""The command dashboard (一屏掌控): ``GET /dashboard`` (the page), ``GET /dashboard/figures`` (the snapshot as
JSON) and ``GET /dashboard/events`` (server-sent events: the snapshot now, then each new one).

For planners, city and provincial approvers and admins.  The snapshot is :func:`services.dashboard.snapshot`,
computed by the process's one poller (:class:`services.dashboard.DashboardFeed`) when the database changes and
shared by every open dashboard; a reconnecting page gets the full current snapshot first.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from api import pages
from api.deps import ContextDep, page_user, require, web_session
from api.i18n import CATALOG, page_lang, translate
from services.dashboard import Published
from store.users import Principal

router = APIRouter(tags=["dashboard"])

#: Who may see the dashboard (``admin`` always may).
DASHBOARD_ROLES = ("planner", "city_approver", "province_approver")
DashboardUser = Annotated[Principal, Depends(require(*DASHBOARD_ROLES))]
DashboardPage = Annotated[Principal, Depends(page_user(*DASHBOARD_ROLES))]
#: The catalog texts the page's script shows, handed to it in the page.
SCRIPT_TEXTS: tuple[str, ...] = tuple(k for k in CATALOG if k.startswith("dash.js."))
#: Seconds between keep-alive comments on an idle stream.
PING_S = 15


def _event_id(item: Published) -> str:
    return hashlib.sha256(item.version.encode()).hexdigest()[:16]


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, ctx: ContextDep, user: DashboardPage) -> HTMLResponse:
    """The dashboard: the map beside the figures, the scans per hour and the alerts, kept live by the events."""
    lang = page_lang(request)
    texts = {key.removeprefix("dash.js."): translate(key, lang) for key in SCRIPT_TEXTS}
    return pages.render(
        request,
        ctx,
        "dashboard.html",
        user=user,
        session=web_session(request, ctx),
        config=pages.map_config(ctx, lang),
        script_texts=texts,
    )


@router.get("/dashboard/figures")
async def dashboard_figures(ctx: ContextDep, user: DashboardUser) -> Response:
    """The dashboard's snapshot now: ``version``, ``at``, ``figures`` (zones by risk and county, closures pending
    by level with the oldest wait, passes, scans by verdict, reason and checkpoint, enterprises, routes today),
    ``series`` (scans per hour by verdict), ``alerts`` and ``layers`` (GeoJSON); times ISO 8601."""
    item = await run_in_threadpool(ctx.dashboard_feed().current)
    return Response(item.data, media_type="application/json", headers={"Cache-Control": "no-store"})


# Not in the OpenAPI schema: a stream that never ends is not an answer a schema client can wait for.
@router.get("/dashboard/events", include_in_schema=False)
async def dashboard_events(ctx: ContextDep, user: DashboardUser) -> EventSourceResponse:
    """Server-sent events: a ``snapshot`` event with the current snapshot (as ``GET /dashboard/figures``), then
    one each time it changes (within about a second of a change made by any worker process).  A client that
    reconnects gets the current snapshot first."""
    feed = ctx.dashboard_feed()

    async def stream() -> AsyncIterator[dict[str, str]]:
        sub = feed.subscribe(asyncio.get_running_loop())
        try:
            item = await run_in_threadpool(feed.current)
            last = item.seq
            yield {"event": "snapshot", "id": _event_id(item), "data": item.data}
            while True:
                item = await sub.queue.get()
                if item.seq <= last:
                    continue
                last = item.seq
                yield {"event": "snapshot", "id": _event_id(item), "data": item.data}
        finally:
            feed.unsubscribe(sub)

    return EventSourceResponse(stream(), ping=PING_S, headers={"Cache-Control": "no-store"})
