"""Fixtures for the pass tests: a key ring in a temp dir, a crew, a signed token."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passes.crew import CrewMember
from passes.keys import KeyRing
from passes.token import sign_pass
from tests.passes._helpers import T0, claims_for


@pytest.fixture
def ring(tmp_path) -> KeyRing:
    return KeyRing.load_or_create(tmp_path / "keys", now=T0 - timedelta(days=30))


@pytest.fixture
def crew() -> list[CrewMember]:
    return [
        CrewMember("张三", "123X", "driver", T0 - timedelta(hours=10)),
        CrewMember("李四", "4567", "loader", T0 - timedelta(hours=5), mobile_role=True),
    ]


@pytest.fixture
def token(ring, crew) -> str:
    return sign_pass(claims_for(crew), ring)
