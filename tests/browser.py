"""Headless-Chromium helpers for the ``browser`` tests (a helper module, not a test).

Debian's ``/usr/bin/chromium`` (``scripts/system_deps.sh``) is driven through the
Python ``playwright`` package; ``playwright install`` is never used (it downloads
a browser).  Every request to a host other than 127.0.0.1 / localhost is aborted
and recorded, so a page that still reaches for a CDN fails its test instead of
working only online.

Use in a conftest::

    from tests.browser import browser, browser_page  # noqa: F401  (fixtures)

and in a test::

    def test_page(browser_page):
        browser_page.page.goto(url)
        browser_page.assert_clean()
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("BAOTONG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
STATIC_DIR = ROOT / "api" / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: Where the browser tests keep a screenshot of each page they drive (git-ignored).
ARTIFACTS = ROOT / "test-artifacts"


def shot(page, name: str) -> Path:
    """A full-page screenshot of ``page`` as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def require_vendor_assets() -> None:
    """Fail (not skip) when the vendored web assets are missing: the pages would break offline."""
    if not (VENDOR_DIR / "leaflet" / "leaflet.js").is_file():
        pytest.fail(f"{VENDOR_DIR} is missing or incomplete; run `make assets` (bash scripts/vendor_assets.sh)")


@dataclass
class BrowserPage:
    """A Playwright page plus what went wrong on it."""

    page: object
    blocked_urls: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def js_errors(self) -> list[str]:
        return [*self.page_errors, *self.console_errors]

    def assert_clean(self, *, allow_blocked=lambda url: False) -> None:
        """No JavaScript error and no blocked request (unless ``allow_blocked(url)``)."""
        assert not self.js_errors, f"JavaScript errors: {self.js_errors}"
        blocked = [u for u in self.blocked_urls if not allow_blocked(u)]
        assert not blocked, f"requests to non-local hosts were blocked: {blocked}"


class _SharedChromium:
    """One Playwright + Chromium per process, shared by every conftest that imports :func:`browser`.

    Each conftest that imports the session fixture gets its own copy of it, and
    Playwright's sync API cannot run twice at once in one thread; so the copies
    share one browser, closed when the last user is done.
    """

    users = 0
    playwright = None
    browser = None

    @classmethod
    def acquire(cls):
        if cls.users == 0:
            from playwright.sync_api import sync_playwright

            cls.playwright = sync_playwright().start()
            try:
                cls.browser = cls.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            except Exception:
                cls.playwright.stop()
                raise
        cls.users += 1
        return cls.browser

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users == 0:
            cls.browser.close()
            cls.playwright.stop()
            cls.browser = cls.playwright = None


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium for the session; skips only if /usr/bin/chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found; install it with `bash scripts/system_deps.sh` "
            "(apt-get install chromium chromium-driver)"
        )
    b = _SharedChromium.acquire()
    try:
        yield b
    finally:
        _SharedChromium.release()


@pytest.fixture
def browser_page(browser) -> Iterator[BrowserPage]:
    """A fresh page that may only talk to 127.0.0.1 / localhost; records blocked URLs and JS errors."""
    yield from open_browser_page(browser)


@pytest.fixture
def browser_page_zh(browser) -> Iterator[BrowserPage]:
    """:func:`browser_page` in a browser set to Simplified Chinese (``Accept-Language: zh-CN``), as a bureau's is."""
    yield from open_browser_page(browser, locale="zh-CN")


def open_browser_page(browser, *, locale: str | None = None, service_workers: bool = False) -> Iterator[BrowserPage]:
    """The body of :func:`browser_page`: a gated page in a new context (``locale`` as Chromium's ``--lang``).

    Service workers are blocked unless ``service_workers``; then the gate is on the whole context, so the
    context's next pages (and what their workers let through to the network) are gated too.
    """
    options: dict = {
        "viewport": {"width": 1200, "height": 800},
        "service_workers": "allow" if service_workers else "block",
    }
    if locale is not None:
        options["locale"] = locale
    context = browser.new_context(**options)
    page = context.new_page()
    state = BrowserPage(page=page)

    def gate(route, request):
        scheme = urlsplit(request.url).scheme
        host = urlsplit(request.url).hostname or ""
        if scheme in ("data", "blob") or host in LOCAL_HOSTS:
            route.continue_()
        else:
            state.blocked_urls.append(request.url)
            route.abort("blockedbyclient")

    (context if service_workers else page).route("**/*", gate)

    def on_console(msg):
        if msg.type != "error":
            return
        # a blocked request also logs "Failed to load resource"; it is already in blocked_urls
        if msg.text.startswith("Failed to load resource") and (msg.location or {}).get("url") in state.blocked_urls:
            return
        state.console_errors.append(f"{msg.text} ({(msg.location or {}).get('url', '')})")

    def watch(p) -> None:
        p.on("console", on_console)
        p.on("pageerror", lambda err: state.page_errors.append(str(err)))

    watch(page)
    if service_workers:
        context.on("page", watch)
    try:
        yield state
    finally:
        context.close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves ``directory`` plus ``mounts`` (URL prefix -> folder), quietly."""

    mounts: Mapping[str, Path] = {}

    def translate_path(self, path: str) -> str:
        url_path = unquote(urlsplit(path).path)
        for prefix, folder in self.mounts.items():
            if url_path == prefix or url_path.startswith(prefix.rstrip("/") + "/"):
                rel = url_path[len(prefix.rstrip("/")) :].lstrip("/")
                target = (folder / rel).resolve()
                if folder.resolve() in (target, *target.parents):
                    return str(target)
                return str(folder / "__outside__")
        return super().translate_path(path)

    def log_message(self, format, *args):  # noqa: A002 - quiet test server
        pass


@contextlib.contextmanager
def serve_directory(directory: Path, *, mounts: Mapping[str, Path] | None = None) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yields the base URL.

    ``mounts`` maps URL prefixes to other folders, e.g. ``{"/static": api/static}``.
    """
    handler = type("Handler", (_Handler,), {"mounts": dict(mounts or {})})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
