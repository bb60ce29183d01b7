import re

import pytest

from geo.errors import InvalidInputError
from passes.qr import make_qr, qr_info, qr_png, qr_svg


def test_svg(token):
    svg = qr_svg(token)
    assert re.search(r"<svg\b", svg) and svg.rstrip().endswith("</svg>")
    assert 'width="80mm"' in svg or "80mm" in svg.replace(".0mm", "mm")


def test_png(token):
    png = qr_png(token, scale=3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(InvalidInputError):
        qr_png(token, scale=0)


def test_version_and_print_size(token):
    qr = make_qr(token)
    assert 1 <= qr.version <= 40
    info = qr_info(token)
    assert info.version == qr.version and info.error in "LMQH"
    assert info.module_mm >= 0.5 and info.scans_at_print_size


def test_long_token_still_fits():
    info = qr_info("A" * 2000)
    assert info.version <= 40


@pytest.mark.parametrize("bad", ["", None, "é" * 10, "x" * 5000])
def test_bad_token(bad):
    with pytest.raises(InvalidInputError):
        qr_svg(bad)
