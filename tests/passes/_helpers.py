"""Constants and helpers shared by the pass tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from passes.token import make_claims

T0 = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
#: A straight-ish corridor near Jiaozuo, ~11 km east-west.
CORRIDOR = [[113.20 + i * 0.002, 35.20 + 0.0004 * (i % 5)] for i in range(60)]


def claims_for(crew, **kw):
    args = dict(
        pass_no="410800000123",
        plate="豫H12345",
        enterprise_id="ent-42",
        route_id="route-7",
        corridor=CORRIDOR,
        crew=crew,
        valid_from=T0,
        valid_until=T0 + timedelta(days=2),
        issued_at=T0,
    )
    args.update(kw)
    return make_claims(**args)
