"""QR codes of pass tokens (segno).

The token is base64url text, encoded in QR byte mode.  Error correction is
``M`` (15 % of codewords recoverable: enough for a printed, folded, slightly
soiled A4 page) while that keeps the symbol at version
:data:`MAX_VERSION_M` or below; for a longer token it drops to ``L`` (7 %) so the
modules stay large.  segno's ``boost_error`` then raises the level for free
when the data leaves room in the same version.

Print size: a token of ~800 characters is version 21-25 (101-117 modules
+ a 4-module quiet zone each side); printed 80 mm wide on an A4 page that is
0.64-0.73 mm a module, above the 0.5 mm that phone cameras resolve at a
hand's distance (ISO/IEC 18004 recommends at least 0.33 mm for hand-held
scanners).  :func:`qr_info` reports the figures for a given token and width.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno

from geo.errors import InvalidInputError
from passes.token import MAX_TOKEN_CHARS

__all__ = ["QRInfo", "qr_info", "qr_svg", "qr_png", "make_qr", "MAX_VERSION_M", "QUIET_ZONE", "PRINT_WIDTH_MM"]

MAX_VERSION_M = 27
QUIET_ZONE = 4
PRINT_WIDTH_MM = 80.0
MIN_MODULE_MM = 0.5


@dataclass(frozen=True)
class QRInfo:
    """Size facts of a pass QR code at a print width."""

    version: int
    error: str
    modules: int  # symbol side in modules, without the quiet zone
    print_width_mm: float
    module_mm: float

    @property
    def scans_at_print_size(self) -> bool:
        return self.module_mm >= MIN_MODULE_MM


def _check_token(token: object) -> str:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidInputError(
            f"`token` was {str(token)[:40]!r}...; expected a pass token of 1..{MAX_TOKEN_CHARS} ASCII characters",
            zh=f"`token` 为 {str(token)[:40]!r}...；应为 1..{MAX_TOKEN_CHARS} 个 ASCII 字符的通行证令牌",
        )
    return token


def make_qr(token: str) -> segno.QRCode:
    """The QR code of a token (byte mode, ``M`` or ``L`` as described in the module docstring).

    Raises
    ------
    InvalidInputError
        If ``token`` is not a non-empty ASCII string of at most 4,096 characters.
    """
    token = _check_token(token)
    qr = segno.make_qr(token, error="m", mode="byte", boost_error=True)
    if int(qr.version) > MAX_VERSION_M:  # make_qr never makes a Micro QR (whose versions are "M1".."M4")
        qr = segno.make_qr(token, error="l", mode="byte", boost_error=True)
    return qr


def qr_info(token: str, *, print_width_mm: float = PRINT_WIDTH_MM) -> QRInfo:
    """Version, error level and module size in mm of a token's QR code printed ``print_width_mm`` wide."""
    qr = make_qr(token)
    side = int(qr.symbol_size(border=0)[0])
    return QRInfo(int(qr.version), qr.error, side, float(print_width_mm), print_width_mm / (side + 2 * QUIET_ZONE))


def qr_svg(token: str, *, print_width_mm: float = PRINT_WIDTH_MM) -> str:
    """An SVG document of the token's QR code sized ``print_width_mm`` wide (quiet zone included).

    Raises
    ------
    InvalidInputError
        As :func:`make_qr`, or for a width outside 10..300 mm.
    """
    if not (isinstance(print_width_mm, int | float) and 10 <= print_width_mm <= 300):
        raise InvalidInputError(
            f"`print_width_mm` was {print_width_mm!r}; expected 10..300",
            zh=f"`print_width_mm` 为 {print_width_mm!r}；应在 10..300 之间",
        )
    qr = make_qr(token)
    side = qr.symbol_size(border=QUIET_ZONE)[0]
    buf = io.BytesIO()
    qr.save(
        buf,
        kind="svg",
        scale=print_width_mm / side,
        unit="mm",
        border=QUIET_ZONE,
        xmldecl=False,
        title="Baotong vehicle pass",
    )
    return buf.getvalue().decode("utf-8")


def qr_png(token: str, scale: int = 4) -> bytes:
    """A PNG of the token's QR code, ``scale`` pixels a module (quiet zone included).

    Raises
    ------
    InvalidInputError
        As :func:`make_qr`, or for a scale outside 1..40.
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 40:
        raise InvalidInputError(
            f"`scale` was {scale!r}; expected an integer 1..40 pixels per module",
            zh=f"`scale` 为 {scale!r}；应为 1..40 之间的整数（每个模块的像素数）",
        )
    qr = make_qr(token)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=QUIET_ZONE)
    return buf.getvalue()
