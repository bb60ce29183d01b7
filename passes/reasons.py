"""Reason codes with bilingual messages, shared by issuance checks and verdicts.

A reason string reads ``"<code>: <中文> / <English>"`` with an optional detail in
parentheses, e.g. ``"expired: 通行证已过期 / pass expired (at 2022-04-21T08:00:00+00:00)"``;
:func:`reason_code` recovers the code, :func:`reason_text` the message in one language for a person.
A reason is a :class:`Reason`, a :class:`geo.i18n.Text` whose Chinese twin is the Chinese message with its
detail in Chinese, so it flows wherever a bilingual text does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any, cast

from geo.i18n import Text, format_duration, format_time, zh_time

__all__ = ["MESSAGES", "Reason", "reason", "reason_code", "reason_text"]

MESSAGES: dict[str, tuple[str, str]] = {
    # verification
    "malformed": ("通行证格式无效", "malformed pass token"),
    "unknown_kid": ("签名密钥未知", "unknown signing key"),
    "bad_signature": ("签名无效，通行证可能被伪造或篡改", "bad signature: the pass may be forged or altered"),
    "expired": ("通行证已过期", "pass expired"),
    "not_yet_valid": ("通行证尚未生效", "pass not yet valid"),
    "crew_test_stale": ("司乘人员核酸检测结果不在有效期内", "crew nucleic-acid test is not fresh"),
    "off_corridor": ("检查点不在通行证核定路线上", "checkpoint is off the pass corridor"),
    "plate_mismatch": ("车牌与通行证不符", "plate does not match the pass"),
    "plate_invalid": ("输入的车牌号格式无效", "the typed plate is not a valid plate"),
    "revoked": ("通行证已被撤销", "pass revoked"),
    "enterprise_fused": ("企业已被移出白名单（熔断）", "enterprise removed from the whitelist (fuse)"),
    "unknown_pass": ("系统中无此通行证", "pass not found in the registry"),
    "corridor_mismatch": ("登记路线与通行证路线不一致", "stored corridor does not match the pass"),
    "impossible_travel": (
        "同一通行证在车辆无法按时到达的两地先后被扫（即采即走即追）",
        "the same pass was scanned at two places no truck could drive between in that time",
    ),
    # notes of a verdict (not a reason to stop)
    "plate_not_checked": ("未输入车牌，车牌未核对", "no plate typed: the plate was not checked"),
    # issuance
    "not_whitelisted": ("企业不在白名单内", "enterprise is not on the whitelist"),
    "no_crew": ("未登记司乘人员", "no crew member registered"),
    "window_invalid": ("有效期起止时间无效", "validity window is invalid"),
    "window_too_long": ("有效期超过上限", "validity window is too long"),
    "route_not_ok": ("路线未通过审核", "route is not approved"),
    "crew_test_expires": (
        "核酸检测将在有效期内超时，需重新检测",
        "a crew test goes stale inside the validity window; retest needed",
    ),
}


class Reason(Text):
    """A reason string (its value: ``"<code>: 中文 / English (detail)"``, for programs and the stored scans)
    that also carries its detail for a person: a template in each language whose ``{name}`` fields are
    ``values``; a time among them reads in the reader's zone, a ``timedelta`` as a duration (see
    :func:`reason_text`).  As a :class:`~geo.i18n.Text` its ``zh`` is the Chinese message and detail, times in
    the bureau's zone."""

    code: str
    detail_en: str | None
    detail_zh: str | None
    values: dict[str, object]

    def __new__(
        cls,
        text: str,
        code: str,
        *,
        en: str | None = None,
        zh: str | None = None,
        values: Mapping[str, object] | None = None,
        zh_text: str | None = None,
    ) -> Reason:
        obj = cast(Reason, super().__new__(cls, text, zh=zh_text))
        obj.code, obj.detail_en, obj.detail_zh, obj.values = code, en, zh, dict(values or {})
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (str.__str__(self), self.code, self.detail_en, self.detail_zh, self.values, self.zh))


def _rebuild(
    text: str, code: str, en: str | None, zh: str | None, values: dict[str, object], zh_text: str | None = None
) -> Reason:
    return Reason(text, code, en=en, zh=zh, values=values, zh_text=zh_text)


def _value(value: object, lang: str, tz: tzinfo | None) -> str:
    if isinstance(value, datetime):
        return format_time(value, tz) if tz is not None else value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value.total_seconds(), lang)
    return str(value)


def _fill(template: str, values: Mapping[str, object], lang: str, tz: tzinfo | None) -> str:
    """``template`` with its ``{name}`` fields from ``values`` (a template without values is the text itself)."""
    return template.format(**{k: _value(v, lang, tz) for k, v in values.items()}) if values else template


def reason(
    code: str,
    detail: str | None = None,
    *,
    en: str | None = None,
    zh: str | None = None,
    values: Mapping[str, object] | None = None,
) -> Reason:
    """The reason string for ``code`` (a key of :data:`MESSAGES`), with an optional detail (a :class:`Reason`).

    ``en`` and ``zh`` are the detail for a person, templates filled from ``values`` (see :class:`Reason`), or,
    without ``values``, the detail itself in that language; without them a person reads ``detail`` as it is
    (a number or an id reads the same in both languages).
    """
    m_zh, m_en = MESSAGES[code]
    text = f"{code}: {m_zh} / {m_en}" + (f" ({detail})" if detail else "")
    zh_detail = detail
    if zh is not None:
        zh_detail = (
            _fill(zh, {k: zh_time(v) if isinstance(v, datetime) else v for k, v in (values or {}).items()}, "zh", None)
            if values
            else zh
        )
    zh_text = m_zh + (f"（{zh_detail}）" if zh_detail else "")
    return Reason(text, code, en=en, zh=zh, values=values, zh_text=zh_text)


def reason_code(text: str) -> str:
    """The code at the start of a reason string."""
    return text.split(":", 1)[0]


def reason_text(text: str, lang: str, *, tz: tzinfo | None = None) -> str:
    """The reason string ``text`` for a person reading ``lang`` (``zh``, else English): its message in
    that language and its detail, without the code, e.g. ``"通行证已过期（有效期至 2026-12-01 18:05，…）"``.

    A :class:`Reason` with a detail for a person gets it in ``lang``, its times in the zone ``tz``
    (without one: ISO 8601); any other reason string keeps its detail as it is.  A string that is not
    a reason of :data:`MESSAGES` is returned as it is.
    """
    code = reason_code(text)
    if code not in MESSAGES:
        return text
    zh, en = MESSAGES[code]
    head = f"{code}: {zh} / {en}"
    if not str.__str__(text).startswith(head):
        return text
    message = zh if lang == "zh" else en
    if isinstance(text, Reason):
        template = text.detail_zh if lang == "zh" else text.detail_en
        if template is not None:
            detail = _fill(template, text.values, lang, tz)
            return f"{message}（{detail}）" if lang == "zh" else f"{message} ({detail})"
    return message + str.__str__(text)[len(head) :]
