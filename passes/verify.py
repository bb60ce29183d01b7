"""Checkpoint verification of a pass token: offline (keys only) and online (plus the registry).

A :class:`Verdict` lists *every* failing reason, each ``"<code>: 中文 / English"``
(see :mod:`passes.reasons`).  A token that cannot be trusted (malformed,
unknown kid, bad signature) yields only that one reason: its claims are not
read.  Bad *token* input of any kind gives a ``stop`` verdict, never an
exception; bad *caller* arguments (a naive ``at``, a checkpoint that is not
``[lon, lat]``) raise :class:`~geo.errors.InvalidInputError`, which the API
maps to 422.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from geo.errors import InvalidInputError, NotFoundError
from geo.projection import check_lon_lat
from passes.corridor import ROUNDING_SLACK_M, PreparedCorridor, distance_to_corridor_m
from passes.crew import require_aware, test_fresh
from passes.keys import PublicKeySet
from passes.plates import normalise_plate
from passes.policy import DEFAULT_POLICY, PassPolicy
from passes.reasons import reason, reason_code
from passes.token import CrewClaim, PassClaims, PassTokenError, check_window, read_pass

__all__ = ["Verdict", "PassStatus", "verify_offline", "verify_online"]


@dataclass(frozen=True)
class Verdict:
    """The answer at a checkpoint.

    Attributes
    ----------
    verdict
        ``"pass"`` when there is no reason, else ``"stop"``.
    reasons
        Every failing reason, ``"<code>: 中文 / English (detail)"``.
    claims
        The verified claims, or ``None`` when the token could not be trusted.
    mode
        ``"offline"`` (signature, window, crew, corridor, plate) or ``"online"``
        (plus revocation, whitelist fuse and the stored corridor and tests).
    notes
        What the officer should know that is not a reason to stop, in the same
        ``"<code>: 中文 / English"`` form: ``plate_not_checked`` when no plate was typed.
    """

    verdict: str
    reasons: list[str]
    claims: PassClaims | None
    mode: str
    checked_at: datetime
    notes: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [reason_code(r) for r in self.reasons]

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    def to_dict(self) -> dict:
        """A JSON-ready summary for the API (no crew details beyond role and test time)."""
        c = self.claims
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "codes": self.codes,
            "notes": list(self.notes),
            "mode": self.mode,
            "checked_at": self.checked_at.isoformat(),
            "pass": None
            if c is None
            else {
                "pass_no": c.pass_no,
                "plate": c.plate,
                "enterprise_id": c.enterprise_id,
                "origin": list(c.origin),
                "destination": list(c.destination),
                "route_id": c.route_id,
                "valid_from": c.not_before.isoformat(),
                "valid_until": c.expires.isoformat(),
                "crew": [
                    {"role": m.role, "tested_at": m.tested_at.isoformat(), "mobile_role": m.mobile_role} for m in c.crew
                ],
                "kid": c.kid,
            },
        }


@dataclass(frozen=True)
class PassStatus:
    """What the registry knows of a pass now (returned by the ``status_lookup`` callback).

    ``corridor`` is the full stored route geometry ``[[lon, lat], ...]`` (or a
    :class:`~passes.corridor.PreparedCorridor` of it, validated and hashed once) or
    ``None``; ``crew_tested_at`` optionally gives, index-aligned with the
    token's crew, a newer test time per member (``None`` keeps the token's);
    ``superseded_by`` names the pass that replaced a revoked one.
    """

    revoked: bool
    enterprise_whitelisted: bool
    corridor: list[list[float]] | PreparedCorridor | None = None
    crew_tested_at: Sequence[datetime | None] | None = field(default=None)
    superseded_by: str | None = None  # a revoked pass replaced by this one (named in the reason)


StatusLookup = Callable[[str], PassStatus]


def _check_args(at: object, checkpoint: object, corridor_buffer_m: object) -> tuple[float, float] | None:
    require_aware(at, "at")
    if not (
        isinstance(corridor_buffer_m, int | float)
        and not isinstance(corridor_buffer_m, bool)
        and math.isfinite(corridor_buffer_m)
        and 0 <= corridor_buffer_m <= 50_000
    ):
        raise InvalidInputError(
            f"`corridor_buffer_m` was {corridor_buffer_m!r}; expected 0..50000 metres",
            zh=f"`corridor_buffer_m` 为 {corridor_buffer_m!r}；应在 0..50000 米之间",
        )
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, Sequence) or isinstance(checkpoint, str) or len(checkpoint) != 2:
        raise InvalidInputError(
            f"`checkpoint` was {checkpoint!r}; expected [lon, lat]",
            zh=f"`checkpoint` 为 {checkpoint!r}；应为 [经度, 纬度]",
        )
    return check_lon_lat(checkpoint[0], checkpoint[1], field_name="checkpoint")


def _crew_reasons(
    crew: Sequence[CrewClaim], at: datetime, policy: PassPolicy, overrides: Sequence[datetime | None] | None
) -> list[str]:
    out: list[str] = []
    for i, member in enumerate(crew):
        if overrides is not None and i < len(overrides) and overrides[i] is not None:
            member = CrewClaim(member.role, require_aware(overrides[i], f"crew_tested_at[{i}]"), member.mobile_role)
        if not test_fresh(member, at, policy=policy):
            hours = (policy.mobile_test_validity if member.mobile_role else policy.test_validity).total_seconds() / 3600
            out.append(
                reason(
                    "crew_test_stale",
                    f"crew[{i}] {member.role}: tested {member.tested_at.isoformat()}, limit {hours:g} h",
                    en="crew[{i}] {role}: tested {tested_at}, limit {hours} h",
                    zh="第 {n} 名司乘人员（{role}）检测于 {tested_at}，时限 {hours} 小时",
                    values={
                        "i": i,
                        "n": i + 1,
                        "role": member.role,
                        "tested_at": member.tested_at,
                        "hours": f"{hours:g}",
                    },
                )
            )
    return out


def _verify(
    token: object,
    public_keys: PublicKeySet,
    *,
    at: datetime,
    checkpoint,
    plate,
    corridor_buffer_m,
    corridor,
    policy: PassPolicy,
    status_lookup: StatusLookup | None,
) -> Verdict:
    point = _check_args(at, checkpoint, corridor_buffer_m)
    mode = "offline" if status_lookup is None else "online"
    try:
        claims = read_pass(token, public_keys)
    except PassTokenError as err:
        return Verdict("stop", list(err.reasons), None, mode, at)
    reasons: list[str] = []
    window = check_window(claims, at)
    if window is not None:
        reasons.extend(window.reasons)

    overrides = None
    if status_lookup is not None:
        try:
            status = status_lookup(claims.pass_no)
        except NotFoundError:
            status = None
            reasons.append(reason("unknown_pass", claims.pass_no))
        if status is not None:
            if status.revoked:
                successor = status.superseded_by
                reasons.append(
                    reason(
                        "revoked",
                        f"superseded by {successor}",
                        en="superseded by {successor}",
                        zh="已由 {successor} 替换",
                        values={"successor": successor},
                    )
                    if successor
                    else reason("revoked")
                )
            if not status.enterprise_whitelisted:
                reasons.append(reason("enterprise_fused", claims.enterprise_id))
            if status.corridor is not None and corridor is None:
                corridor = status.corridor
            overrides = status.crew_tested_at

    reasons.extend(_crew_reasons(claims.crew, at, policy, overrides))

    if point is not None:
        distance, allowance = None, corridor_buffer_m
        if corridor is not None:
            prepared = corridor if isinstance(corridor, PreparedCorridor) else PreparedCorridor.of(corridor)
            if prepared.hash == claims.corridor_hash:
                distance = prepared.distance_m(point)
            else:
                reasons.append(
                    reason(
                        "corridor_mismatch",
                        f"route {claims.route_id}",
                        en="route {route}",
                        zh="路线 {route}",
                        values={"route": claims.route_id},
                    )
                )
        if distance is None:
            allowance = corridor_buffer_m + claims.tolerance_m + ROUNDING_SLACK_M
            distance = distance_to_corridor_m(point, claims.corridor)
        if not distance <= allowance:
            metres = {"distance": f"{distance:,.0f}", "allowance": f"{allowance:,.0f}"}
            reasons.append(
                reason(
                    "off_corridor",
                    f"{distance:,.0f} m from the route; at most {allowance:,.0f} m",
                    en="{distance} m from the route; at most {allowance} m",
                    zh="距路线 {distance} 米，最多允许 {allowance} 米",
                    values=metres,
                )
            )

    notes: list[str] = []
    if plate is None:
        notes.append(reason("plate_not_checked"))
    else:
        try:
            typed = normalise_plate(plate)
        except InvalidInputError:
            reasons.append(reason("plate_invalid", repr(plate)[:40]))
        else:
            if typed != claims.plate:
                reasons.append(
                    reason(
                        "plate_mismatch",
                        f"typed {typed}, pass {claims.plate}",
                        en="typed {typed}, pass {plate}",
                        zh="输入 {typed}，通行证为 {plate}",
                        values={"typed": typed, "plate": claims.plate},
                    )
                )

    return Verdict("stop" if reasons else "pass", reasons, claims, mode, at, notes)


def verify_offline(
    token: object,
    public_keys: PublicKeySet,
    *,
    at: datetime,
    checkpoint: Sequence[float] | None = None,
    plate: str | None = None,
    corridor_buffer_m: float = 500.0,
    corridor: Sequence[Sequence[float]] | None = None,
    policy: PassPolicy = DEFAULT_POLICY,
) -> Verdict:
    """Verify a pass with the published public keys only.

    Checks the token (form, ``EdDSA``, known kid, signature), the validity
    window at ``at``, every crew member's test freshness at ``at`` (token
    times), that ``checkpoint`` lies within ``corridor_buffer_m`` of the
    corridor, and that the typed ``plate`` matches.  With ``corridor`` (the
    full stored geometry, checked against the token's hash) the buffer is
    exact; without it the token's simplified polyline is used and the buffer
    is widened by the simplification tolerance.

    Raises
    ------
    InvalidInputError
        Only for bad caller arguments (naive ``at``, invalid ``checkpoint``,
        ``corridor`` or ``corridor_buffer_m``); never for a bad token.
    """
    return _verify(
        token,
        public_keys,
        at=at,
        checkpoint=checkpoint,
        plate=plate,
        corridor_buffer_m=corridor_buffer_m,
        corridor=corridor,
        policy=policy,
        status_lookup=None,
    )


def verify_online(
    token: object,
    public_keys: PublicKeySet,
    *,
    at: datetime,
    status_lookup: StatusLookup,
    checkpoint: Sequence[float] | None = None,
    plate: str | None = None,
    corridor_buffer_m: float = 500.0,
    corridor: Sequence[Sequence[float]] | None = None,
    policy: PassPolicy = DEFAULT_POLICY,
) -> Verdict:
    """:func:`verify_offline` plus the registry: revocation, the whitelist fuse, the stored corridor and newer tests.

    ``status_lookup(pass_no)`` is called once, only for a token whose
    signature verified; it returns a :class:`PassStatus` or raises
    :class:`~geo.errors.NotFoundError` (reason ``unknown_pass``).  Other
    exceptions from it propagate (the registry is down: the caller decides
    whether to fall back to :func:`verify_offline`).

    Raises
    ------
    InvalidInputError
        Only for bad caller arguments, as in :func:`verify_offline`.
    """
    return _verify(
        token,
        public_keys,
        at=at,
        checkpoint=checkpoint,
        plate=plate,
        corridor_buffer_m=corridor_buffer_m,
        corridor=corridor,
        policy=policy,
        status_lookup=status_lookup,
    )
