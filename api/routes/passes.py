"""Vehicle passes: issuing signed QR passes, reading them, revocation, checkpoint verification, the public keys.

* ``POST /passes``: a dispatcher (bound to an enterprise: only for it; unbound: any enterprise).
* ``GET /passes/{no}`` (and its QR, print page, map and scans): planner, or a dispatcher of that
  enterprise (a pass carries crew names and plates, so it is not public).
* ``POST /passes/lookup``: the pass whose token the caller holds (checkpoint; planner, dispatcher):
  a checkpoint reads a pass through its token, never by walking the numbers.
* ``POST /passes/{no}/renew``: a dispatcher of that enterprise.
* ``POST /passes/{no}/revoke``: planner.
* ``POST /passes/{no}/cancel``: a dispatcher of that enterprise, or a planner.
* ``POST /passes/verify``, ``POST /passes/scans/offline`` and ``GET /passes/revocations``: checkpoint.  ``GET /.well-known/jwks.json``: everyone.

A verdict's ``reasons`` and ``notes`` keep their bilingual ``"<code>: 中文 / English"`` form for programs;
``reason_texts``, ``note_texts`` and the times ``checked_at_text`` / ``valid_text`` say the same for a
person, in the language the client asked for (:func:`api.i18n.asked_lang`; none asked: English) and in
the bureau's zone.
"""

from __future__ import annotations

import asyncio
from datetime import tzinfo
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse

from api import pages
from api.deps import (
    CheckpointUser,
    ContextDep,
    DispatcherOnly,
    DispatcherUser,
    PassReader,
    PassTokenReader,
    PlannerUser,
    SessionDep,
    web_session,
)
from api.i18n import asked_lang, page_lang
from api.paging import Cursor, Limit, export_response, export_responses, next_url
from api.schemas.common import IsoDateTime
from api.schemas.passes import (
    OfflineScanCreate,
    OfflineScanPublic,
    PassCreate,
    PassesPublic,
    PassLookup,
    PassPublic,
    PassRenew,
    RevokeCreate,
    ScanPublic,
    ScansPublic,
    VerdictPublic,
    VerifyRequest,
)
from geo.i18n import Lang, format_time
from passes.reasons import reason_text
from passes.verify import Verdict
from services import exports, layers, lists, passes
from services.passes import OfflineScan, PassRequest, RenewalRequest

router = APIRouter(tags=["passes"])


def pass_public(data: dict[str, Any]) -> PassPublic:
    """The answer for a pass, with the URLs of its QR code and print page."""
    no = data["pass_no"]
    return PassPublic(**data, qr_svg=f"/passes/{no}/qr.svg", print_url=f"/passes/{no}/print")


def pass_request(body: PassCreate) -> PassRequest:
    """The use case's request from the API's body."""
    return PassRequest(**body.model_dump())


@router.post(
    "/passes",
    response_model=PassPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "a dispatcher of another enterprise"},
        409: {"description": "the vehicle holds a valid pass whose window overlaps (named); give `replaces`"},
        422: {"description": "bad input, or the pass is refused: `reasons` lists every rule broken"},
    },
)
def create_pass(body: PassCreate, ctx: ContextDep, session: SessionDep, user: DispatcherOnly) -> PassPublic:
    """Issue a signed vehicle pass: one vehicle, its crew, one closed-loop route, one validity window.

    Refused (422 with every reason) when the enterprise is not whitelisted, a crew test would be
    stale at departure (48 h, 24 h for mobile roles), the window is bad, or no legal route exists.
    One vehicle, one pass: a vehicle holding a valid pass whose window overlaps gets 409 naming it,
    unless ``replaces`` names it (it is then superseded in the same transaction).
    """
    return pass_public(passes.issue_pass(ctx, session, pass_request(body), user=user))


@router.get("/passes", response_model=PassesPublic, responses=export_responses("csv", "xlsx", json_model=PassesPublic))
def list_passes(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    user: PassReader,
    enterprise_id: str | None = Query(default=None, max_length=40),
    plate: str | None = Query(default=None, max_length=32, description="e.g. 豫H·12345 (normalised)"),
    status_: Literal["valid", "revoked", "expired", "not_yet_valid", "fused"] | None = Query(
        default=None, alias="status", description="the status now"
    ),
    valid_at: IsoDateTime | None = Query(default=None, description="passes whose window holds this time"),
    issuer: str | None = Query(default=None, max_length=100, description="the user who issued the pass"),
    issued_from: IsoDateTime | None = Query(default=None),
    issued_until: IsoDateTime | None = Query(default=None),
    format: Literal["json", "csv", "xlsx"] = Query(default="json", description="json: a page; csv, xlsx: every match"),
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    """Passes, newest first, paged (``data``, ``count``, ``next``), or every match as CSV / XLSX (Chinese headers,
    times in the bureau's zone).  A dispatcher bound to an enterprise sees only its own."""
    filters = lists.PassFilters(enterprise_id, plate, status_, valid_at, issuer, issued_from, issued_until)
    if format != "json":
        return export_response(exports.export_passes(ctx, filters, user=user, fmt=format, lang=page_lang(request)))
    page = lists.list_passes(session, filters, user=user, cursor=cursor, limit=limit)
    return PassesPublic(
        data=[pass_public(p) for p in page.rows], count=page.count, next=next_url(request, page.next_cursor)
    )


@router.get("/scans", response_model=ScansPublic, responses=export_responses("csv", "xlsx", json_model=ScansPublic))
def list_scans(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    user: PassReader,
    enterprise_id: str | None = Query(default=None, max_length=40),
    pass_no: str | None = Query(default=None, max_length=12),
    verdict: Literal["pass", "stop"] | None = Query(default=None),
    scanned_by: str | None = Query(default=None, max_length=100, description="the officer"),
    checked_from: IsoDateTime | None = Query(default=None),
    checked_until: IsoDateTime | None = Query(default=None),
    format: Literal["json", "csv", "xlsx"] = Query(default="json", description="json: a page; csv, xlsx: every match"),
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    """Checkpoint scans, newest first, paged, or every match as CSV / XLSX.  A bound dispatcher sees the scans
    of its enterprise's passes."""
    filters = lists.ScanFilters(enterprise_id, pass_no, verdict, scanned_by, checked_from, checked_until)
    if format != "json":
        return export_response(exports.export_scans(ctx, filters, user=user, fmt=format, lang=page_lang(request)))
    page = lists.list_scans(session, filters, user=user, cursor=cursor, limit=limit)
    return ScansPublic(
        data=[ScanPublic(**s) for s in page.rows], count=page.count, next=next_url(request, page.next_cursor)
    )


@router.get(
    "/passes/revocations",
    responses={304: {"description": "the list is unchanged since the `ETag` given in `If-None-Match`"}},
)
def revocations(request: Request, ctx: ContextDep, session: SessionDep, user: CheckpointUser) -> Response:
    """The compact revocation list a checkpoint device keeps to verify offline (checkpoint).

    ``revoked``: the revoked passes still in their window (``pass_no``, ``revoked_at``); ``fused``: the
    enterprises off the whitelist that still hold such a pass (``enterprise_id``, ``fused_at``); ``policy``:
    the crew-test limits and the corridor buffer the server verifies with; ``generated_at``: now.  The
    ``ETag`` names the content: ``If-None-Match`` with it answers ``304`` while nothing changed.
    """
    listed = passes.revocation_list(session, ctx)
    headers = {"ETag": listed.etag, "Cache-Control": "no-cache", "Vary": "Cookie, Authorization"}
    asked = [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]
    if listed.etag in asked or f"W/{listed.etag}" in asked:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return JSONResponse(listed.body, headers=headers)


@router.post(
    "/passes/{pass_no}/renew",
    response_model=PassPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "a dispatcher of another enterprise"},
        409: {"description": "the pass was superseded (its successor named) or revoked"},
        422: {"description": "bad input, or the renewal is refused: `reasons` lists every rule broken"},
    },
)
def renew_pass(pass_no: str, body: PassRenew, ctx: ContextDep, session: SessionDep, user: DispatcherOnly) -> PassPublic:
    """Renew a pass: a new pass for the same vehicle, cargo and trip with a new window and the crew's
    current tests (the route is planned again); the old pass is superseded by it and the two are linked."""
    renewal = RenewalRequest(
        valid_until=body.valid_until, valid_from=body.valid_from, departure=body.departure, crew_ids=body.crew_ids
    )
    return pass_public(passes.renew_pass(ctx, session, pass_no, renewal, user=user))


@router.get("/passes/{pass_no}", response_model=PassPublic)
def get_pass(pass_no: str, session: SessionDep, user: PassReader) -> PassPublic:
    """A pass with its token, status (valid / revoked / fused / expired / not_yet_valid) and warnings."""
    return pass_public(passes.get_pass(session, pass_no, user=user))


@router.post(
    "/passes/lookup",
    response_model=PassPublic,
    responses={
        404: {"description": "no pass was issued with this token"},
        422: {"description": "the token is malformed, of an unknown key or badly signed"},
    },
)
def lookup_pass(body: PassLookup, ctx: ContextDep, session: SessionDep, user: PassTokenReader) -> PassPublic:
    """The pass whose token the caller holds (a checkpoint reads passes this way, never by number): the token
    must verify and be exactly the one the pass was issued with."""
    return pass_public(passes.pass_by_token(ctx, session, body.token, user=user))


@router.get("/passes/{pass_no}/qr.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def pass_qr_svg(
    pass_no: str, session: SessionDep, user: PassReader, width_mm: float = Query(default=80.0, ge=10, le=300)
) -> Response:
    """The QR code of the pass token as SVG, ``width_mm`` wide when printed (default 80 mm)."""
    return Response(passes.pass_qr_svg(session, pass_no, user=user, width_mm=width_mm), media_type="image/svg+xml")


@router.get("/passes/{pass_no}/qr.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
def pass_qr_png(
    pass_no: str, session: SessionDep, user: PassReader, scale: int = Query(default=8, ge=1, le=40)
) -> Response:
    """The QR code of the pass token as PNG, ``scale`` pixels per module."""
    return Response(passes.pass_qr_png(session, pass_no, user=user, scale=scale), media_type="image/png")


@router.get("/passes/{pass_no}/map", response_class=HTMLResponse)
def pass_map(request: Request, pass_no: str, ctx: ContextDep, session: SessionDep, user: PassReader) -> HTMLResponse:
    """The pass's route and the trip's trace: every checkpoint scan, green for pass, red for stop."""
    content = layers.pass_map(session, pass_no, user=user)
    return pages.content_page(request, ctx, content, user=user, session=web_session(request, ctx))


@router.get("/passes/{pass_no}/print", response_class=HTMLResponse)
def pass_print(request: Request, pass_no: str, ctx: ContextDep, session: SessionDep, user: PassReader) -> HTMLResponse:
    """A printable A4 pass page: the QR code (80 mm), the facts, the route map and the scans so far."""
    sheet = passes.pass_sheet(session, pass_no, user=user)
    route, zones = layers.route_map(session, sheet.route.id, user=user)
    return pages.pass_print_page(
        request, ctx, sheet, pass_public(sheet.pass_), route=route, zones=zones, settings=ctx.settings
    )


@router.post("/passes/{pass_no}/revoke", response_model=PassPublic)
def revoke_pass(pass_no: str, body: RevokeCreate, session: SessionDep, user: PlannerUser) -> PassPublic:
    """Revoke a pass (planner); it answers ``stop`` at every checkpoint from now on."""
    return pass_public(passes.revoke_pass(session, pass_no, reason=body.reason, user=user))


@router.post(
    "/passes/{pass_no}/cancel",
    response_model=PassPublic,
    responses={
        403: {"description": "a dispatcher of another enterprise"},
        409: {"description": "revoked, cancelled or superseded already"},
    },
)
def cancel_pass(pass_no: str, session: SessionDep, user: DispatcherUser) -> PassPublic:
    """Cancel a pass of the caller's enterprise (a dispatcher of it, or a planner): revoked with who cancelled
    it and the reason ``cancelled by the enterprise``; it answers ``stop`` at every checkpoint from now on."""
    return pass_public(passes.cancel_pass(session, pass_no, user=user))


@router.post(
    "/passes/verify",
    response_model=VerdictPublic,
    responses={
        422: {"description": "a bad checkpoint position, or `at` without `dry_run` (a bad token is a `stop`)"},
        503: {"description": "the scan could not be stored; nothing was recorded, try again"},
    },
)
async def verify_pass(body: VerifyRequest, request: Request, ctx: ContextDep, user: CheckpointUser) -> dict[str, Any]:
    """Check a scanned pass at a checkpoint: ``pass`` or ``stop`` with every failing reason.

    Checks the signature and ``kid``, the validity window now, revocation and the enterprise's
    whitelist status, every crew test's freshness now, the checkpoint within ``corridor_buffer_m``
    of the stored route, and the typed plate (none typed: the note ``plate_not_checked``).  A
    malformed, forged or unknown token is a ``stop`` with its reason; so is a plate typed in a
    wrong format (``plate_invalid``), and a scan at a place no truck could have reached since the pass's
    scan before it (``impossible_travel``, with both scans in ``flags``).  The scan (who, where, when, verdict, reasons) is stored
    before the answer, at the server's time.  ``dry_run: true`` (optionally with ``at``, another
    time) is a what-if check: the answer says ``dry_run`` and nothing is stored (``scan_id`` null).
    ``reason_texts`` and ``note_texts`` are the reasons and notes for a person, in the language asked
    for (``Accept-Language``, the ``baotong_lang`` cookie, ``?lang=``; none: English).

    The checks are short CPU work and indexed reads, done on the event loop; the scan is stored by
    the process's scan writer, which commits every scan waiting at that moment in one transaction.
    """
    checked = passes.verify_pass(
        ctx, body.token, body.checkpoint, at=body.at, plate=body.plate, crs=body.crs, user=user, dry_run=body.dry_run
    )
    out = checked.verdict.to_dict()
    scan_id: int | None = None
    if checked.scan_id is not None:
        scan_id = await asyncio.wrap_future(checked.scan_id)
    flags = checked.flags
    if flags and "impossible_travel" in flags:
        flags["impossible_travel"]["second"]["scan_id"] = scan_id
    out.update(scan_id=scan_id, dry_run=checked.scan_id is None, checkpoint=list(checked.checkpoint), flags=flags)
    return _for_person(out, checked.verdict, asked_lang(request) or "en", ctx.settings.tz())


def _for_person(out: dict[str, Any], verdict: Verdict, lang: Lang, tz: tzinfo) -> dict[str, Any]:
    """A verdict's answer with its reasons, notes and times for a person reading ``lang``, in the zone ``tz``."""
    claims = verdict.claims
    out.update(
        reason_texts=[reason_text(r, lang, tz=tz) for r in verdict.reasons],
        note_texts=[reason_text(n, lang, tz=tz) for n in verdict.notes],
        checked_at_text=format_time(verdict.checked_at, tz, seconds=True),
        valid_text=None
        if claims is None
        else f"{format_time(claims.not_before, tz)} – {format_time(claims.expires, tz)}",
    )
    return out


@router.post(
    "/passes/scans/offline",
    response_model=OfflineScanPublic,
    responses={422: {"description": "a bad checkpoint, or a `device_time` in the future or older than 72 h"}},
)
def upload_offline_scan(
    body: OfflineScanCreate, ctx: ContextDep, session: SessionDep, user: CheckpointUser
) -> OfflineScanPublic:
    """Upload a scan the checkpoint device made offline; stored once per officer and ``idempotency_key``.

    The server checks the token again at ``device_time`` with what the registry knows now and stores
    both times: ``device_time`` (the device's clock, as reported) and ``recorded_at`` (the upload,
    the server's).  An upload repeated with the same key answers the first one (``duplicate``).
    """
    scan = OfflineScan(
        token=body.token,
        checkpoint=body.checkpoint,
        device_time=body.device_time,
        idempotency_key=body.idempotency_key,
        plate=body.plate,
        device_verdict=body.device_verdict,
        device_reasons=body.device_reasons,
        crs=body.crs,
    )
    return OfflineScanPublic(**passes.upload_offline_scan(session, ctx, scan, user=user))


@router.get("/passes/{pass_no}/scans", response_model=list[ScanPublic])
def pass_scans(pass_no: str, session: SessionDep, user: PassReader) -> list[ScanPublic]:
    """The trip's trace: every checkpoint scan of the pass, oldest first."""
    return [ScanPublic(**s) for s in passes.pass_scans(session, pass_no, user=user)]


@router.get("/.well-known/jwks.json")
def jwks(ctx: ContextDep, response: Response) -> dict[str, Any]:
    """The public keys (JWKS, Ed25519) that verify passes offline; retired keys stay until their passes expire."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return passes.jwks(ctx)
