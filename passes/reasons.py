"""Reason codes with bilingual messages, shared by issuance checks and verdicts.

A reason string reads ``"<code>: <中文> / <English>"`` with an optional detail in
parentheses, e.g. ``"expired: 通行证已过期 / pass expired (at 2022-04-21T08:00:00+00:00)"``;
:func:`reason_code` recovers the code.
"""

from __future__ import annotations

from geo.i18n import Text

__all__ = ["MESSAGES", "reason", "reason_code"]

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


def reason(code: str, detail: str | None = None, *, zh: str | None = None) -> Text:
    """The reason string for ``code`` (a key of :data:`MESSAGES`), with an optional detail.

    A :class:`~geo.i18n.Text`: its value is the bilingual reason string above (programs read the
    code from it); its Chinese twin is the Chinese message with the detail in Chinese (``zh``, else
    ``detail`` as it is), for a person reading Chinese.
    """
    zh_message, en = MESSAGES[code]
    zh_detail = zh if zh is not None else detail
    return Text(
        f"{code}: {zh_message} / {en}" + (f" ({detail})" if detail else ""),
        zh=zh_message + (f"（{zh_detail}）" if zh_detail else ""),
    )


def reason_code(text: str) -> str:
    """The code at the start of a reason string."""
    return text.split(":", 1)[0]
