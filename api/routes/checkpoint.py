"""The checkpoint page (``GET /checkpoint``): for officers on a phone, in the workspace's layout.

A signed-in ``checkpoint`` officer (or admin) gets the page in the shared layout (header with the user
and role, navigation, language switch), its texts from :data:`api.i18n.CATALOG` in the page's language;
anyone not signed in is sent to ``/login?next=/checkpoint``, another role gets the refusal page.  Scan
with the camera (the vendored qr-scanner library under ``/static/vendor/qr-scanner/``) or paste the code;
the position comes from the device (``navigator.geolocation``) or is typed as ``lon,lat``.  The page
posts to ``POST /passes/verify`` with the session cookie and the session's CSRF token (``Baotong.fetch``
of ``/static/app/app.js``): no token is typed into the page or kept in the browser.  It shows a
one-glance green PASS / red STOP with every reason in the page's language.

Without signal the page still opens and verifies: it installs as a web app (``/checkpoint/manifest.webmanifest``)
whose service worker (``/checkpoint/sw.js``, scope ``/checkpoint``) keeps the page, its assets, the public keys
and the revocation list (``GET /passes/revocations``); offline it verifies in the browser
(``/static/checkpoint/verify.js``) and queues the scans in IndexedDB for ``POST /passes/scans/offline``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from api import pages
from api.deps import CheckpointPage, ContextDep, web_session

router = APIRouter(tags=["checkpoint"], include_in_schema=False)


@router.get("/checkpoint", response_class=HTMLResponse)
def checkpoint_page(request: Request, ctx: ContextDep, user: CheckpointPage) -> HTMLResponse:
    """The checkpoint page (signed in as a checkpoint officer; else the sign-in page or a refusal)."""
    return pages.checkpoint_page(request, ctx, user=user, session=web_session(request, ctx))


STATIC = Path(__file__).resolve().parents[1] / "static" / "checkpoint"
#: the web app manifest: the page installs on the officer's phone as an app of its own
MANIFEST: dict[str, object] = {
    "name": "保通 检查站核验 · Baotong checkpoint",
    "short_name": "检查站核验",
    "description": "通行证核验，无信号时离线核验 · Pass checks, offline without signal",
    "lang": "zh-CN",
    "start_url": "/checkpoint",
    "scope": "/checkpoint",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#ffffff",
    "theme_color": "#15803d",
    "icons": [
        {"src": f"/static/checkpoint/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in (192, 512)
    ]
    + [{"src": "/static/checkpoint/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"}],
}


@router.get("/checkpoint/manifest.webmanifest")
def checkpoint_manifest() -> JSONResponse:
    """The checkpoint page's web app manifest (public: a browser fetches it without the session)."""
    return JSONResponse(MANIFEST, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@router.get("/checkpoint/sw.js")
def checkpoint_service_worker() -> Response:
    """The checkpoint page's service worker, with the scope ``/checkpoint`` (``Service-Worker-Allowed``)."""
    return Response(
        (STATIC / "sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/checkpoint", "Cache-Control": "no-cache"},
    )
