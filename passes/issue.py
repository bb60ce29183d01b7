"""Issuance rules and pass numbers.

A national key-supplies pass number is the issuer's 6-digit administrative
code followed by a 6-digit serial: ``410800000123`` is serial 123 of Jiaozuo
(410800).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from geo.errors import InvalidInputError, PassRejected
from geo.i18n import format_duration, zh_time
from passes.crew import CrewMember, require_aware, test_expires_at, test_fresh
from passes.policy import DEFAULT_POLICY, PassPolicy
from passes.reasons import reason

__all__ = ["pass_number", "parse_pass_number", "check_issuance", "issuance_warnings", "require_issuable"]

MAX_SERIAL = 999_999


def _check_admin_code(admin_code: object) -> str:
    if not (
        isinstance(admin_code, str)
        and len(admin_code) == 6
        and admin_code.isascii()
        and admin_code.isdigit()
        and admin_code[0] != "0"
    ):
        raise InvalidInputError(
            f"`admin_code` was {admin_code!r}; expected 6 digits such as '410800'",
            zh=f"`admin_code` 为 {admin_code!r}；应为 6 位数字，例如 '410800'",
        )
    return admin_code


def pass_number(admin_code: str, serial: int) -> str:
    """The 12-digit pass number: ``pass_number('410800', 123) == '410800000123'``.

    Raises
    ------
    InvalidInputError
        If ``admin_code`` is not 6 digits or ``serial`` is not an integer in 1..999999.
    """
    _check_admin_code(admin_code)
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= MAX_SERIAL:
        raise InvalidInputError(
            f"`serial` was {serial!r}; expected an integer in 1..{MAX_SERIAL} "
            "(the issuer has used up its serials when it reaches the end)",
            zh=f"`serial` 为 {serial!r}；应为 1..{MAX_SERIAL} 之间的整数（到达上限即表示签发机关的流水号已用完）",
        )
    return f"{admin_code}{serial:06d}"


def parse_pass_number(pass_no: str) -> tuple[str, int]:
    """Split a pass number into ``(admin_code, serial)``.

    Raises
    ------
    InvalidInputError
        If ``pass_no`` is not 12 digits with a valid admin code and a serial in 1..999999.
    """
    if not (isinstance(pass_no, str) and len(pass_no) == 12 and pass_no.isascii() and pass_no.isdigit()):
        raise InvalidInputError(
            f"`pass_no` was {pass_no!r}; expected 12 digits: a 6-digit admin code and a "
            "6-digit serial, e.g. '410800000123'",
            zh=f"`pass_no` 为 {pass_no!r}；应为 12 位数字：6 位行政区划代码加 6 位流水号，例如 '410800000123'",
        )
    admin_code, serial = _check_admin_code(pass_no[:6]), int(pass_no[6:])
    if serial < 1:
        raise InvalidInputError(
            f"`pass_no` was {pass_no!r}; serial 000000 is not issued",
            zh=f"`pass_no` 为 {pass_no!r}；流水号 000000 不会签发",
        )
    return admin_code, serial


def check_issuance(
    enterprise_whitelisted: bool,
    crew: Sequence[CrewMember],
    departure: datetime,
    valid_from: datetime,
    valid_until: datetime,
    route_ok: bool,
    *,
    policy: PassPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
    route_error: str | None = None,
) -> list[str]:
    """Every reason a pass may not be issued; empty when it may.

    Rules: the enterprise is on the whitelist; at least one crew member; the
    window is ordered (``valid_from < valid_until``), at most
    ``policy.max_window`` long, and holds the departure; every crew member's
    test is fresh *at departure* (48 h, 24 h for mobile roles; a test dated
    after departure does not count); the route was approved (``route_ok``;
    ``route_error`` says why not).  With ``now`` (the time of issuance) the
    window must also not have ended already, nor start more than
    ``policy.max_lead`` ahead.  A test that goes stale later inside the window
    is not a refusal but a warning (:func:`issuance_warnings`): the crew
    retests and the online check takes the new time.

    Raises
    ------
    InvalidInputError
        If a datetime is not timezone-aware.
    """
    departure = require_aware(departure, "departure")
    valid_from, valid_until = require_aware(valid_from, "valid_from"), require_aware(valid_until, "valid_until")
    out: list[str] = []
    if not enterprise_whitelisted:
        out.append(reason("not_whitelisted"))
    if not crew:
        out.append(reason("no_crew"))
    if valid_until <= valid_from:
        out.append(
            reason(
                "window_invalid",
                f"valid_until {valid_until.isoformat()} is not after valid_from {valid_from.isoformat()}",
                zh=f"截止时间 {zh_time(valid_until)} 不晚于起始时间 {zh_time(valid_from)}",
            )
        )
    elif valid_until - valid_from > policy.max_window:
        out.append(
            reason(
                "window_too_long",
                f"{valid_until - valid_from}; at most {policy.max_window}",
                zh=f"{format_duration((valid_until - valid_from).total_seconds())}；"
                f"至多 {format_duration(policy.max_window.total_seconds())}",
            )
        )
    if not valid_from <= departure < valid_until and valid_from < valid_until:
        out.append(
            reason(
                "window_invalid",
                f"departure {departure.isoformat()} is outside {valid_from.isoformat()} .. {valid_until.isoformat()}",
                zh=f"出发时间 {zh_time(departure)} 不在 {zh_time(valid_from)} 至 {zh_time(valid_until)} 之内",
            )
        )
    for i, member in enumerate(crew):
        if not test_fresh(member, departure, policy=policy):
            out.append(
                reason(
                    "crew_test_stale",
                    f"crew[{i}] {member.role}: tested {member.tested_at.isoformat()}, "
                    f"departure {departure.isoformat()}",
                    zh=f"司乘人员 {i}（{member.role}）：检测时间 {zh_time(member.tested_at)}，"
                    f"出发时间 {zh_time(departure)}",
                )
            )
    if not route_ok:
        out.append(reason("route_not_ok", route_error))
    if now is not None:
        now = require_aware(now, "now")
        late: list[str] = []
        if valid_until <= now:
            late.append(
                reason(
                    "window_invalid",
                    f"valid_until {valid_until.isoformat()} has already passed",
                    zh=f"截止时间 {zh_time(valid_until)} 已经过去",
                )
            )
        if valid_from - now > policy.max_lead:
            late.append(
                reason(
                    "window_invalid",
                    f"valid_from {valid_from.isoformat()} is more than {policy.max_lead} ahead",
                    zh=f"起始时间 {zh_time(valid_from)} 比现在提前超过 {format_duration(policy.max_lead.total_seconds())}",
                )
            )
        out += [r for r in late if r not in out]
    return out


def issuance_warnings(
    crew: Sequence[CrewMember], valid_until: datetime, *, policy: PassPolicy = DEFAULT_POLICY
) -> list[str]:
    """A warning per crew member whose test goes stale before ``valid_until`` (retest needed)."""
    valid_until = require_aware(valid_until, "valid_until")
    out: list[str] = []
    for i, member in enumerate(crew):
        stale_at = test_expires_at(member, policy=policy)
        if stale_at < valid_until:
            out.append(
                reason(
                    "crew_test_expires",
                    f"crew[{i}] {member.role}: test stale from {stale_at.isoformat()}",
                    zh=f"司乘人员 {i}（{member.role}）：检测结果自 {zh_time(stale_at)} 起失效",
                )
            )
    return out


def require_issuable(
    enterprise_whitelisted: bool,
    crew: Sequence[CrewMember],
    departure: datetime,
    valid_from: datetime,
    valid_until: datetime,
    route_ok: bool,
    *,
    policy: PassPolicy = DEFAULT_POLICY,
) -> None:
    """Raise :class:`~geo.errors.PassRejected` with every reason of :func:`check_issuance`, if any."""
    reasons = check_issuance(enterprise_whitelisted, crew, departure, valid_from, valid_until, route_ok, policy=policy)
    if reasons:
        raise PassRejected(reasons)
