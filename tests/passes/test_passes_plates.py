import pytest

from geo.errors import InvalidInputError
from passes.plates import (
    PROVINCES,
    is_out_of_province,
    is_valid_plate,
    normalise_plate,
    province_for_admin_code,
    province_of,
)

VALID = {
    "豫H·12345": "豫H·12345",
    "豫H12345": "豫H·12345",
    "豫H 12345": "豫H·12345",
    "豫h·a1234": "豫H·A1234",
    "豫HD12345": "豫H·D12345",
    "豫H·F12345": "豫H·F12345",
    "豫H·12345D": "豫H·12345D",
    "京A·F0236": "京A·F0236",
    "粤B·Z9Z9Z": "粤B·Z9Z9Z",
    " 沪A12345 ": "沪A·12345",
}
INVALID = [
    "",
    "豫",
    "豫H",
    "豫H1234",
    "豫H1234567",
    "豫I12345",
    "豫O12345",
    "豫H·I2345",
    "豫H·1234O",
    "港A12345",
    "台A12345",
    "AH12345",
    "豫112345",
    "豫H·A12345",
    "豫H·12D345",
    "豫H··12345",
    "豫H_12345",
    "豫H·1234५",
    "x" * 100,
]


@pytest.mark.parametrize("text,canonical", VALID.items())
def test_valid_plates_normalise(text, canonical):
    assert normalise_plate(text) == canonical
    assert normalise_plate(canonical) == canonical


@pytest.mark.parametrize("text", INVALID)
def test_invalid_plates_name_value_and_format(text):
    with pytest.raises(InvalidInputError) as info:
        normalise_plate(text)
    assert "plate" in str(info.value) and "豫H·12345" in str(info.value)
    assert repr(text)[:20] in str(info.value) or len(text) > 32
    assert not is_valid_plate(text)


def test_non_string_plate():
    with pytest.raises(InvalidInputError):
        normalise_plate(12345)  # type: ignore[arg-type]


def test_31_provinces():
    assert len(PROVINCES) == 31 == len(set(PROVINCES))
    for p in PROVINCES:
        assert province_of(f"{p}A12345") == p


def test_out_of_province():
    assert province_for_admin_code("410800") == "豫"
    assert not is_out_of_province("豫H·12345", "410800")
    assert is_out_of_province("京A·F0236", "410800")
    assert is_out_of_province("京A·F0236", "豫")
    with pytest.raises(InvalidInputError):
        is_out_of_province("豫H12345", "990000")
    with pytest.raises(InvalidInputError):
        is_out_of_province("豫H12345", "港")
