"""Chinese motor-vehicle licence plates (GA 36-2018 civil plates).

A civil plate is a province abbreviation, the issuing authority's letter
(A–Z without I and O) and a serial: five characters of ``0-9A-HJ-NP-Z``, or
six for a new-energy plate whose first or last serial character is ``D``
(battery electric) or ``F`` (other new energy); for a small new-energy car the
first serial character is ``D``/``F``, for a large one the last.  The canonical
form writes a middle dot after the authority letter: ``豫H·12345``,
``豫H·D12345``.
"""

from __future__ import annotations

import re

from geo.errors import InvalidInputError

__all__ = [
    "PROVINCES",
    "ADMIN_PROVINCE",
    "normalise_plate",
    "is_valid_plate",
    "province_of",
    "province_for_admin_code",
    "is_out_of_province",
]

#: The 31 mainland province-level abbreviations used on plates.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

#: First two digits of an administrative code -> the province's plate abbreviation.
ADMIN_PROVINCE = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "贵",
    "53": "云",
    "54": "藏",
    "61": "陕",
    "62": "甘",
    "63": "青",
    "64": "宁",
    "65": "新",
}

_ALNUM = "0-9A-HJ-NP-Z"
_SERIAL5 = re.compile(f"[{_ALNUM}]{{5}}")
_SERIAL6 = re.compile(f"(?:[DF][{_ALNUM}]{{5}}|[{_ALNUM}]{{5}}[DF])")
# separators typed or printed between the authority letter and the serial
_SEPARATORS = "·•‧・.. -"
_FORMAT = "a province abbreviation, a letter A–Z (not I/O) and 5 letters/digits (6 for new energy, first or last D/F), e.g. '豫H·12345' or '豫H·D12345'"
_FORMAT_ZH = "省份简称、一个字母 A–Z（不含 I/O）和 5 位字母或数字（新能源车 6 位，首位或末位为 D/F），例如 '豫H·12345' 或 '豫H·D12345'"


def normalise_plate(text: str) -> str:
    """Return the canonical form of a plate, e.g. ``'豫h 12345'`` -> ``'豫H·12345'``.

    Accepts the middle dot, a space, a hyphen, a full stop or no separator
    after the authority letter, and lower-case letters.

    Raises
    ------
    InvalidInputError
        If ``text`` is not a mainland civil plate; the message names the value
        and the expected format.
    """
    if not isinstance(text, str) or len(text) > 32:
        raise InvalidInputError(
            f"`plate` was {text!r}; expected {_FORMAT}", zh=f"`plate` 为 {text!r}；应为 {_FORMAT_ZH}"
        )
    s = text.strip().upper()
    if len(s) >= 3 and s[2] in _SEPARATORS:
        s = s[:2] + s[3:]
    if len(s) >= 2 and s[0] in PROVINCES and "A" <= s[1] <= "Z" and s[1] not in "IO":
        serial = s[2:]
        if _SERIAL5.fullmatch(serial) or _SERIAL6.fullmatch(serial):
            return f"{s[:2]}·{serial}"
    raise InvalidInputError(f"`plate` was {text!r}; expected {_FORMAT}", zh=f"`plate` 为 {text!r}；应为 {_FORMAT_ZH}")


def is_valid_plate(text: object) -> bool:
    """True when :func:`normalise_plate` accepts ``text``."""
    try:
        normalise_plate(text)  # type: ignore[arg-type]
    except InvalidInputError:
        return False
    return True


def province_of(plate: str) -> str:
    """The province abbreviation of a plate (``'豫H·12345'`` -> ``'豫'``).

    Raises
    ------
    InvalidInputError
        If ``plate`` is not a valid plate.
    """
    return normalise_plate(plate)[0]


def province_for_admin_code(admin_code: str) -> str:
    """The plate abbreviation of the province an administrative code belongs to (410800 -> 豫).

    Raises
    ------
    InvalidInputError
        If ``admin_code`` is not 6 digits of a mainland province.
    """
    if not (isinstance(admin_code, str) and len(admin_code) == 6 and admin_code.isascii() and admin_code.isdigit()):
        raise InvalidInputError(
            f"`admin_code` was {admin_code!r}; expected 6 digits such as '410800'",
            zh=f"`admin_code` 为 {admin_code!r}；应为 6 位数字，例如 '410800'",
        )
    try:
        return ADMIN_PROVINCE[admin_code[:2]]
    except KeyError:
        raise InvalidInputError(
            f"`admin_code` was {admin_code!r}; its first two digits name no mainland province",
            zh=f"`admin_code` 为 {admin_code!r}；其前两位不对应任何内地省份",
        ) from None


def is_out_of_province(plate: str, issuer: str) -> bool:
    """True when ``plate`` is registered outside the issuer's province.

    ``issuer`` is a province abbreviation (``'豫'``) or a 6-digit
    administrative code (``'410800'``).

    Raises
    ------
    InvalidInputError
        If the plate or the issuer is invalid.
    """
    if isinstance(issuer, str) and len(issuer) == 1:
        if issuer not in PROVINCES:
            raise InvalidInputError(
                f"`issuer` was {issuer!r}; expected one of {PROVINCES!r} or an admin code",
                zh=f"`issuer` 为 {issuer!r}；应为 {PROVINCES!r} 之一或行政区划代码",
            )
        home = issuer
    else:
        home = province_for_admin_code(issuer)
    return province_of(plate) != home
