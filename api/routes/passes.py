"""Vehicle passes: issuing signed QR passes, reading them, revocation, checkpoint verification, the public keys.

* ``POST /passes``: a dispatcher (bound to an enterprise: only for it; unbound: any enterprise).
* ``GET /passes/{no}`` (and its QR, print page, map and scans): planner, or a dispatcher of that
  enterprise (a pass carries crew names and plates, so it is not public).
* ``POST /passes/lookup``: the pass whose token the caller holds (checkpoint; planner, dispatcher):
  a checkpoint reads a pass through its token, never by walking the numbers.
* ``POST /passes/{no}/renew``: a dispatcher of that enterprise.
* ``POST /passes/{no}/revoke``: planner.
* ``POST /passes/verify``: checkpoint.  ``GET /.well-known/jwks.json``: everyone.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import CheckpointUser, ContextDep, DispatcherOnly, PassReader, PassTokenReader, PlannerUser, SessionDep
from api.schemas.passes import (
    PassCreate,
    PassLookup,
    PassPublic,
    PassRenew,
    RevokeCreate,
    ScanPublic,
    VerdictPublic,
    VerifyRequest,
)
from services import layers, passes
from services.passes import PassRequest, RenewalRequest

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
def pass_map(pass_no: str, ctx: ContextDep, session: SessionDep, user: PassReader) -> HTMLResponse:
    """The pass's route and the trip's trace: every checkpoint scan, green for pass, red for stop."""
    return pages.map_page(layers.pass_map(session, pass_no, user=user), ctx.settings)


@router.get("/passes/{pass_no}/print", response_class=HTMLResponse)
def pass_print(pass_no: str, ctx: ContextDep, session: SessionDep, user: PassReader) -> HTMLResponse:
    """A printable A4 pass page: the QR code (80 mm), the facts, the route map and the scans so far."""
    sheet = passes.pass_sheet(session, pass_no, user=user)
    route, zones = layers.route_map(session, sheet.route.id, user=user)
    return pages.pass_print_page(sheet, pass_public(sheet.pass_), route=route, zones=zones, settings=ctx.settings)


@router.post("/passes/{pass_no}/revoke", response_model=PassPublic)
def revoke_pass(pass_no: str, body: RevokeCreate, session: SessionDep, user: PlannerUser) -> PassPublic:
    """Revoke a pass (planner); it answers ``stop`` at every checkpoint from now on."""
    return pass_public(passes.revoke_pass(session, pass_no, reason=body.reason, user=user))


@router.post(
    "/passes/verify",
    response_model=VerdictPublic,
    responses={
        422: {"description": "a bad checkpoint position or `at` (a bad token is a `stop`)"},
        503: {"description": "the scan could not be stored; nothing was recorded, try again"},
    },
)
async def verify_pass(body: VerifyRequest, ctx: ContextDep, user: CheckpointUser) -> dict[str, Any]:
    """Check a scanned pass at a checkpoint: ``pass`` or ``stop`` with every failing reason.

    Checks the signature and ``kid``, the validity window at ``at`` (default now), revocation and
    the enterprise's whitelist status, every crew test's freshness at ``at``, the checkpoint
    within ``corridor_buffer_m`` of the stored route, and the typed plate.  A malformed, forged or
    unknown token is a ``stop`` with its reason; so is a plate typed in a wrong format
    (``plate_invalid``).  The scan (who, where, when, verdict, reasons) is stored before the answer.

    The checks are short CPU work and indexed reads, done on the event loop; the scan is stored by
    the process's scan writer, which commits every scan waiting at that moment in one transaction.
    """
    checked = passes.verify_pass(
        ctx, body.token, body.checkpoint, at=body.at, plate=body.plate, crs=body.crs, user=user
    )
    out = checked.verdict.to_dict()
    out.update(scan_id=await asyncio.wrap_future(checked.scan_id), checkpoint=list(checked.checkpoint))
    return out


@router.get("/passes/{pass_no}/scans", response_model=list[ScanPublic])
def pass_scans(pass_no: str, session: SessionDep, user: PassReader) -> list[ScanPublic]:
    """The trip's trace: every checkpoint scan of the pass, oldest first."""
    return [ScanPublic(**s) for s in passes.pass_scans(session, pass_no, user=user)]


@router.get("/.well-known/jwks.json")
def jwks(ctx: ContextDep, response: Response) -> dict[str, Any]:
    """The public keys (JWKS, Ed25519) that verify passes offline; retired keys stay until their passes expire."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return passes.jwks(ctx)
