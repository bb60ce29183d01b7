import random

import pytest

from geo.errors import InvalidInputError
from passes.polyline import decode, decode_lonlat, encode, encode_lonlat

GOOGLE = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
GOOGLE_TEXT = "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def test_google_documented_example():
    assert encode(GOOGLE) == GOOGLE_TEXT
    assert decode(GOOGLE_TEXT) == GOOGLE


def test_google_single_value():
    # the worked example of the algorithm page: -179.9832104 -> "`~oia@"
    assert encode([(-179.9832104, 0)])[:6] == "`~oia@"


def test_lonlat_order():
    assert encode_lonlat([[lng, lat] for lat, lng in GOOGLE]) == GOOGLE_TEXT
    assert decode_lonlat(GOOGLE_TEXT) == [[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]]


def test_round_trip_random():
    rng = random.Random(7)
    pts = [(round(rng.uniform(-90, 90), 5), round(rng.uniform(-180, 180), 5)) for _ in range(500)]
    assert decode(encode(pts)) == pts
    assert encode([]) == "" and decode("") == []


@pytest.mark.parametrize("bad", ["_p~iF~ps|U_", "_p~iF", "abc\x00", "_p~iF~ps|U ", "豫"])
def test_decode_rejects_bad_text(bad):
    with pytest.raises(InvalidInputError):
        decode(bad)


def test_encode_rejects_bad_points():
    with pytest.raises(InvalidInputError):
        encode([(float("nan"), 1.0)])
    with pytest.raises(InvalidInputError):
        encode([(1.0,)])
