"""The checkpoint page (``GET /checkpoint``): plain HTML/JS for staff on a phone, no CDN.

Scan with the camera (the vendored qr-scanner library under ``/static/vendor/qr-scanner/``) or
paste the code; the position comes from the device (``navigator.geolocation``) or is typed as
``lon,lat``; the officer's bearer token is kept in the browser's ``localStorage``.  The page posts
to ``POST /passes/verify`` and shows a one-glance green PASS / red STOP with every reason in
Chinese and English.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api import pages

router = APIRouter(tags=["checkpoint"])


@router.get("/checkpoint", response_class=HTMLResponse)
def checkpoint_page() -> HTMLResponse:
    """The checkpoint page (public HTML; verifying needs a ``checkpoint`` token typed into it)."""
    return pages.checkpoint_page()
