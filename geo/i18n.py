"""Texts for people in two languages, and times and durations formatted for people.

People read Simplified Chinese first, English by a switch; programs read English and ISO 8601.
:class:`Text` is a ``str`` whose value is the English text and which carries its Chinese twin,
so it flows through every place a message string flows today (``str(err)``, JSON, logs: the
English) while a page or an answer for a person picks :meth:`Text.get` of the negotiated language.

A domain error gets its Chinese twin where it is raised, in one place::

    raise InvalidInputError(f"`risk` was {risk!r}; expected ...", zh=f"风险等级 {risk!r} 无效；应为 ...")

(see :class:`geo.errors.BaotongError`); an explanation or warning is a ``Text(en, zh=...)``.

Times shown to people are in the bureau's zone (``BAOTONG_TIMEZONE``) as ``2026-12-01 18:05``;
durations read ``18 秒``, ``3 分 20 秒``, ``1 小时 5 分`` (``18 s``, ``3 min 20 s``, ``1 h 5 min``),
never ``0 min``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

Lang = Literal["zh", "en"]
#: The languages, the first the default for people.
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
#: The bureau's zone unless ``BAOTONG_TIMEZONE`` says otherwise.
DEFAULT_TIMEZONE = "Asia/Shanghai"


class Text(str):
    """An English text (the string's own value) with its Simplified Chinese twin ``zh``.

    ``Text("3 zones crossed", zh="穿过 3 个区域")``; without ``zh`` the Chinese falls back to the English
    (a message not yet translated still reads).  Equal to, and hashed as, its English value.
    """

    zh: str

    def __new__(cls, en: str, zh: str | None = None) -> Text:
        obj = super().__new__(cls, en)
        obj.zh = zh if zh is not None else getattr(en, "zh", str(en))
        return obj

    @property
    def en(self) -> str:
        return str.__str__(self)

    @property
    def translated(self) -> bool:
        """Whether the Chinese twin is a translation (not the English fallback)."""
        return self.zh != self.en

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``zh`` or ``en``; anything else reads English)."""
        return self.zh if lang == "zh" else self.en

    def __add__(self, other: str) -> Text:
        """``Text + str`` joins both languages (a plain ``str`` reads the same in both)."""
        if not isinstance(other, str):
            return NotImplemented
        return Text(self.en + str.__str__(other), zh=self.zh + getattr(other, "zh", other))

    def __radd__(self, other: str) -> Text:
        if not isinstance(other, str):
            return NotImplemented
        return Text(str.__str__(other) + self.en, zh=getattr(other, "zh", other) + self.zh)

    def to_json(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (self.en, self.zh))


def text_in(value: Any, lang: str) -> Any:
    """``value`` for a person reading ``lang``: a :class:`Text` or ``{"en", "zh"}`` mapping gives that
    language; lists and tuples are mapped item by item; anything else is returned as it is."""
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, Mapping) and set(value) == {"en", "zh"}:
        return value["zh"] if lang == "zh" else value["en"]
    if isinstance(value, list | tuple):
        return [text_in(v, lang) for v in value]
    return value


def text_from_json(value: Any) -> Any:
    """The inverse of :meth:`Text.to_json` (a stored ``{"en", "zh"}`` back to a :class:`Text`)."""
    if isinstance(value, Mapping) and set(value) == {"en", "zh"}:
        return Text(str(value["en"]), zh=str(value["zh"]))
    return value


def pick_lang(value: str | None) -> Lang | None:
    """``zh`` or ``en`` from a language tag (``zh-CN``, ``zh-Hans``, ``en-GB``, ``EN``), else ``None``."""
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-", 1)[0]
    if primary == "zh":
        return "zh"
    if primary == "en":
        return "en"
    return None


def parse_accept_language(header: str | None) -> Lang | None:
    """The preferred of our languages in an ``Accept-Language`` header (by ``q``), or ``None``.

    ``"zh-CN,zh;q=0.9,en;q=0.8"`` -> ``"zh"``; ``"en-US,en;q=0.9"`` -> ``"en"``; ``"fr"`` -> ``None``.
    """
    if not header:
        return None
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        lang = pick_lang(tag)
        if lang is None or q <= 0:
            continue
        candidate = (q, -position, lang)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best is not None else None


def timezone(name: str | None = None) -> tzinfo:
    """The zone called ``name`` (default :data:`DEFAULT_TIMEZONE`).

    Raises
    ------
    ValueError
        For an unknown zone name.
    """
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (KeyError, ValueError) as err:
        raise ValueError(f"`timezone` was {name!r}; expected an IANA zone such as 'Asia/Shanghai'") from err


def format_time(value: datetime | None, tz: tzinfo, *, seconds: bool = False, empty: str = "") -> str:
    """A time for people, in ``tz``: ``2026-12-01 18:05`` (``18:05:09`` with ``seconds``).

    A naive ``value`` is taken as UTC (every stored time is UTC).
    """
    if value is None:
        return empty
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


_UNITS = {
    "zh": {"d": "天", "h": "小时", "min": "分", "s": "秒", "less": "不到 1 秒"},
    "en": {"d": "d", "h": "h", "min": "min", "s": "s", "less": "under 1 s"},
}


def format_duration(seconds: float | None, lang: str = DEFAULT_LANG, *, empty: str = "") -> str:
    """A duration for people: ``18 秒``, ``3 分 20 秒``, ``1 小时 5 分``, ``2 天 3 小时`` (English: ``18 s``,
    ``3 min 20 s``, ``1 h 5 min``, ``2 d 3 h``).

    Under a minute reads in seconds, under an hour in minutes and seconds, under a day in hours
    and minutes; the smaller unit is left out when it is zero.  Never ``0 min``: under half a
    second reads ``不到 1 秒`` / ``under 1 s``.
    """
    if seconds is None or not math.isfinite(seconds):
        return empty
    u = _UNITS["zh" if lang == "zh" else "en"]
    total = int(round(abs(seconds)))
    sign = "-" if seconds < 0 and total else ""
    if total == 0:
        return u["less"]
    if total < 60:
        return f"{sign}{total} {u['s']}"
    if total < 3600:
        m, s = divmod(total, 60)
        return f"{sign}{m} {u['min']}" + (f" {s} {u['s']}" if s else "")
    minutes = int(round(total / 60))
    if minutes < 24 * 60:
        h, m = divmod(minutes, 60)
        return f"{sign}{h} {u['h']}" + (f" {m} {u['min']}" if m else "")
    hours = int(round(total / 3600))
    d, h = divmod(hours, 24)
    return f"{sign}{d} {u['d']}" + (f" {h} {u['h']}" if h else "")


#: The Chinese name of each risk level (DESIGN.md terms).
RISK_ZH = {"sealed": "封控区", "controlled": "管控区", "precaution": "防范区"}


def risk_zh(risk: str) -> str:
    """The Chinese name of a zone's risk level: ``sealed`` -> ``封控区`` (an unknown level as it is)."""
    return RISK_ZH.get(risk, risk)


def zh_time(value: datetime | None, *, seconds: bool = False) -> str:
    """A time in a Chinese message: ``2026-12-01 18:05`` in the bureau's zone (``BAOTONG_TIMEZONE``)."""
    return format_time(value, timezone(os.environ.get("BAOTONG_TIMEZONE") or None), seconds=seconds)


def format_length(metres: float | None, lang: str = DEFAULT_LANG, *, empty: str = "") -> str:
    """A length for people: ``850 米`` / ``12.4 公里`` (``850 m`` / ``12.4 km``)."""
    if metres is None or not math.isfinite(metres):
        return empty
    zh = lang == "zh"
    if abs(metres) < 1000:
        return f"{round(metres):,} {'米' if zh else 'm'}"
    return f"{metres / 1000:,.1f} {'公里' if zh else 'km'}"


__all__ = [
    "DEFAULT_LANG",
    "DEFAULT_TIMEZONE",
    "LANGS",
    "RISK_ZH",
    "Lang",
    "Text",
    "format_duration",
    "format_length",
    "format_time",
    "parse_accept_language",
    "pick_lang",
    "risk_zh",
    "text_from_json",
    "text_in",
    "timezone",
    "zh_time",
]
