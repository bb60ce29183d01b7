"""The checkpoint page (``GET /checkpoint``): for officers on a phone, in the workspace's layout.

A signed-in ``checkpoint`` officer (or admin) gets the page in the shared layout (header with the user
and role, navigation, language switch), its texts from :data:`api.i18n.CATALOG` in the page's language;
anyone not signed in is sent to ``/login?next=/checkpoint``, another role gets the refusal page.  Scan
with the camera (the vendored qr-scanner library under ``/static/vendor/qr-scanner/``) or paste the code;
the position comes from the device (``navigator.geolocation``) or is typed as ``lon,lat``.  The page
posts to ``POST /passes/verify`` with the session cookie and the session's CSRF token (``Baotong.fetch``
of ``/static/app/app.js``): no token is typed into the page or kept in the browser.  It shows a
one-glance green PASS / red STOP with every reason in the page's language.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import CheckpointPage, ContextDep, web_session

router = APIRouter(tags=["checkpoint"], include_in_schema=False)


@router.get("/checkpoint", response_class=HTMLResponse)
def checkpoint_page(request: Request, ctx: ContextDep, user: CheckpointPage) -> HTMLResponse:
    """The checkpoint page (signed in as a checkpoint officer; else the sign-in page or a refusal)."""
    return pages.checkpoint_page(request, ctx, user=user, session=web_session(request, ctx))
