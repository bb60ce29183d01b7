"""Command-line arguments: coordinates west of Greenwich or south of the equator read as values, not options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cli.common import join_number_lists
from cli.main import build_parser, main
from passes.crew import CrewMember
from passes.keys import KeyRing
from passes.token import make_claims, sign_pass

#: A corridor through Baltimore (west longitudes), ~5 km east-west.
CORRIDOR = [[-76.62 + i * 0.001, 39.28] for i in range(60)]


def parse(argv: list[str]):
    return build_parser().parse_args(join_number_lists(argv))


@pytest.mark.parametrize(
    ("argv", "field", "value"),
    [
        (["pass", "verify", "TOKEN", "--checkpoint", "-76.55,39.28"], "checkpoint", [-76.55, 39.28]),
        (["pass", "verify", "TOKEN", "--checkpoint", "-76.55,-39.28"], "checkpoint", [-76.55, -39.28]),
        (["pass", "verify", "TOKEN", "--checkpoint=-76.55,39.28"], "checkpoint", [-76.55, 39.28]),
        (["route", "--from", "-0.1276,51.5072", "--to", "-0.09,51.51"], "origin", [-0.1276, 51.5072]),
        (["route", "--from", "-0.1276,51.5072", "--to", "-0.09,51.51"], "destination", [-0.09, 51.51]),
        (["network", "build", "--bbox", "-0.2,51.4,-0.1,51.5"], "bbox", "-0.2,51.4,-0.1,51.5"),
    ],
)
def test_negative_coordinates_are_values(argv, field, value):
    assert getattr(parse(argv), field) == value


def test_a_token_that_starts_with_a_dash_is_not_joined():
    args = parse(["pass", "verify", "-", "--plate", "-1"])
    assert args.token == "-" and args.plate == "-1"


def test_bad_coordinates_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        parse(["pass", "verify", "TOKEN", "--checkpoint", "west,39.28"])
    assert info.value.code == 2 and "LON,LAT" in capsys.readouterr().err


def test_pass_verify_at_a_west_longitude_checkpoint(tmp_path, monkeypatch, capsys):
    now = datetime.now(UTC).replace(microsecond=0)
    ring = KeyRing.load_or_create(tmp_path / "keys")
    crew = [CrewMember("张三", "123X", "driver", now - timedelta(hours=2))]
    token = sign_pass(
        make_claims(
            pass_no="410800000123",
            plate="豫H12345",
            enterprise_id="ent-1",
            route_id="route-1",
            corridor=CORRIDOR,
            crew=crew,
            valid_from=now - timedelta(hours=1),
            valid_until=now + timedelta(hours=5),
            issued_at=now,
        ),
        ring,
    )
    monkeypatch.setenv("BAOTONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOTONG_KEYS_DIR", str(tmp_path / "keys"))
    assert main(["pass", "verify", token, "--checkpoint", "-76.59,39.28"]) == 0  # on the corridor
    assert '"verdict": "pass"' in capsys.readouterr().out
    assert main(["pass", "verify", token, "--checkpoint", "-76.30,39.28"]) == 1  # 25 km east of its end
    assert "off_corridor" in capsys.readouterr().out
