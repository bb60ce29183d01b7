"""Security headers on every answer, and a per-response nonce for the scripts of the service's own pages.

Every answer carries ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
``X-Frame-Options: DENY`` and a Content-Security-Policy with ``frame-ancestors 'none'``.  An HTML page
may run only scripts from the service itself and the inline scripts its renderer stamped with
:data:`NONCE_PLACEHOLDER` (see :func:`stamp_scripts`); this middleware replaces the placeholder with a
fresh nonce per response, so a cached page (the public map) gets a new nonce each time and a script
that reached a page some other way carries none and does not run.  The API documentation pages
(``/docs``, ``/redoc``: FastAPI's Swagger UI and ReDoc with their inline start-up script and CDN
assets) get a policy of their own, and so does a service worker script (:data:`WORKER_PATHS`): its own
answer's policy governs what the worker may fetch, and it fetches the service's own pages and data.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: What a renderer writes as the nonce of its own inline scripts; replaced per response.
NONCE_PLACEHOLDER = "__baotong_csp_nonce__"
_PLACEHOLDER = NONCE_PLACEHOLDER.encode()
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])")

#: The documentation pages FastAPI serves (inline start-up script, assets from cdn.jsdelivr.net).
DOC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_CDN = "https://cdn.jsdelivr.net"
#: Service worker scripts: they may fetch from the service itself, nothing else.
WORKER_PATHS = frozenset({"/checkpoint/sw.js"})


def stamp_scripts(html: str) -> str:
    """Mark every ``<script`` tag of a page the service rendered itself with :data:`NONCE_PLACEHOLDER`.

    Call it only on HTML whose every script is the renderer's (templates and folium output, where
    every user-supplied text is escaped before it is embedded).
    """
    return _SCRIPT_TAG.sub(f'<script nonce="{NONCE_PLACEHOLDER}"', html)


def tile_source(tiles_url: str | None) -> str | None:
    """The CSP source of an XYZ tile URL template (``https://{s}.tile.example.org/{z}/{x}/{y}.png`` ->
    ``https://*.tile.example.org``), or ``None`` without one."""
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url.replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc
    if "{s}" in urlsplit(tiles_url).netloc:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


def page_policy(nonce: str, *, tiles: str | None) -> str:
    """The Content-Security-Policy of an HTML page of the service."""
    images = " ".join(filter(None, ["'self'", "data:", "blob:", tiles]))
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


#: Every answer that is not a page (JSON, images, files): nothing may run or frame it.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; style-src 'self' 'unsafe-inline' {DOCS_CDN}; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
WORKER_POLICY = "default-src 'none'; connect-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP answer and gives each HTML page its nonce (plain ASGI)."""

    def __init__(self, app: ASGIApp, *, tiles_url: str | None = None):
        self.app = app
        self.tiles = tile_source(tiles_url)
        self.data_headers = [*_COMMON, (b"content-security-policy", DATA_POLICY.encode())]
        self.docs_headers = [*_COMMON, (b"content-security-policy", DOCS_POLICY.encode())]
        self.worker_headers = [*_COMMON, (b"content-security-policy", WORKER_POLICY.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") in DOC_PATHS
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if scope.get("path") in WORKER_PATHS:
                    headers += self.worker_headers
                    await send({**message, "headers": headers})
                    return
                if docs or not content_type.startswith(b"text/html"):
                    headers += self.docs_headers if docs else self.data_headers
                    await send({**message, "headers": headers})
                    return
                start = {**message, "headers": headers}  # a page: held until its body is complete
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            nonce = secrets.token_urlsafe(18)
            body = b"".join(chunks).replace(_PLACEHOLDER, nonce.encode())
            headers = list(start["headers"])
            if scope.get("method") != "HEAD":  # a HEAD answer keeps the length of the page it describes
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
            headers += [*_COMMON, (b"content-security-policy", page_policy(nonce, tiles=self.tiles).encode())]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_with_headers)


_REPLACED = frozenset({b"content-security-policy", b"x-frame-options", b"referrer-policy", b"x-content-type-options"})
