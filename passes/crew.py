"""Vehicles and crews of a pass, and nucleic-acid test freshness.

Only the last four characters of a crew member's identity-card number are
ever held (``id_last4``); the signed token carries no names or ID digits at
all, only each member's role, test time and mobile flag.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from geo.errors import InvalidInputError
from passes.plates import normalise_plate
from passes.policy import DEFAULT_POLICY, PassPolicy

__all__ = [
    "OWNERSHIP",
    "RegisteredVehicle",
    "CrewMember",
    "require_aware",
    "test_fresh",
    "test_expires_at",
    "stale_reasons",
]

OWNERSHIP = ("own", "contracted")
_MAX_TEXT = 64


class CrewTestTime(Protocol):
    """What test freshness reads of a crew member: a registered :class:`CrewMember` or a token's crew claim."""

    @property
    def tested_at(self) -> datetime: ...

    @property
    def mobile_role(self) -> bool: ...


def require_aware(value: object, field_name: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, else raise InvalidInputError."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            f"`{field_name}` was {value!r}; expected a timezone-aware datetime (e.g. 2022-04-20T08:00+08:00)",
            zh=f"`{field_name}` 为 {value!r}；应为带时区的日期时间（例如 2022-04-20T08:00+08:00）",
        )
    return value


def _text(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        raise InvalidInputError(
            f"`{field_name}` was {value!r}; expected a non-empty string of at most {_MAX_TEXT} characters",
            zh=f"`{field_name}` 为 {value!r}；应为非空且不超过 {_MAX_TEXT} 个字符的文本",
        )
    return value.strip()


@dataclass(frozen=True)
class RegisteredVehicle:
    """A freight vehicle registered on the transport whitelist (not :class:`routing.router.Vehicle`, a truck's dimensions).

    ``plate`` is normalised to its canonical form (``豫H·12345``); dimensions are
    optional and used for routing truck limits.

    Raises
    ------
    InvalidInputError
        If a field is invalid; the message names the field and the value.
    """

    plate: str
    enterprise_id: str
    ownership: str = "own"
    out_of_province: bool = False
    height_m: float | None = None
    weight_t: float | None = None
    width_m: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "plate", normalise_plate(self.plate))
        object.__setattr__(self, "enterprise_id", _text(self.enterprise_id, "vehicle.enterprise_id"))
        if self.ownership not in OWNERSHIP:
            raise InvalidInputError(
                f"`vehicle.ownership` was {self.ownership!r}; expected one of {list(OWNERSHIP)}",
                zh=f"`vehicle.ownership` 为 {self.ownership!r}；应为 {list(OWNERSHIP)} 之一",
            )
        if not isinstance(self.out_of_province, bool):
            raise InvalidInputError(
                f"`vehicle.out_of_province` was {self.out_of_province!r}; expected true or false",
                zh=f"`vehicle.out_of_province` 为 {self.out_of_province!r}；应为 true 或 false",
            )
        for name in ("height_m", "weight_t", "width_m"):
            value = getattr(self, name)
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (math.isfinite(value) and 0 < value < 100)
            ):
                raise InvalidInputError(
                    f"`vehicle.{name}` was {value!r}; expected a positive number below 100",
                    zh=f"`vehicle.{name}` 为 {value!r}；应为小于 100 的正数",
                )


@dataclass(frozen=True)
class CrewMember:
    """A driver or other crew member.

    ``id_last4`` is exactly the last four characters of the identity-card
    number (digits, or ``X`` as the check character); never more of the ID.
    ``tested_at`` is when the negative nucleic-acid sample was taken.

    Raises
    ------
    InvalidInputError
        If a field is invalid; the message names the field and the value
        (except the ID fragment's value when it is longer than four
        characters, which is never echoed back).
    """

    name: str
    id_last4: str
    role: str
    tested_at: datetime
    mobile_role: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _text(self.name, "crew.name"))
        object.__setattr__(self, "role", _text(self.role, "crew.role"))
        last4 = self.id_last4
        if not isinstance(last4, str) or len(last4) != 4:
            # never echo a longer string: it may be a whole ID number
            if isinstance(last4, str):
                shown = repr(last4) if len(last4) < 4 else f"a string of {len(last4)} characters"
            else:
                shown = type(last4).__name__
            raise InvalidInputError(
                f"`crew.id_last4` was {shown}; expected exactly the last 4 characters of the ID (digits, or X last)",
                zh=f"`crew.id_last4` 为 {shown}；应恰好是身份证号的后 4 位（数字，最后一位可为 X）",
            )
        last4 = last4.upper()
        if not (
            last4[:3].isascii()
            and last4[:3].isdigit()
            and (last4[3].isdigit() and last4[3].isascii() or last4[3] == "X")
        ):
            raise InvalidInputError(
                f"`crew.id_last4` was {self.id_last4!r}; expected 4 characters: digits, the last may be X",
                zh=f"`crew.id_last4` 为 {self.id_last4!r}；应为 4 个字符：数字，最后一位可为 X",
            )
        object.__setattr__(self, "id_last4", last4)
        require_aware(self.tested_at, "crew.tested_at")
        if not isinstance(self.mobile_role, bool):
            raise InvalidInputError(
                f"`crew.mobile_role` was {self.mobile_role!r}; expected true or false",
                zh=f"`crew.mobile_role` 为 {self.mobile_role!r}；应为 true 或 false",
            )


def _validity(mobile_role: bool, policy: PassPolicy) -> timedelta:
    return policy.mobile_test_validity if mobile_role else policy.test_validity


def test_expires_at(member: CrewTestTime, *, policy: PassPolicy = DEFAULT_POLICY) -> datetime:
    """The instant the member's test stops being fresh (``tested_at`` + 48 h, or 24 h for mobile roles)."""
    return member.tested_at + _validity(member.mobile_role, policy)


def test_fresh(member: CrewTestTime, at: datetime, *, policy: PassPolicy = DEFAULT_POLICY) -> bool:
    """True when the member's test is fresh at ``at``.

    Fresh means ``tested_at <= at <= tested_at + validity`` (48 h, or 24 h
    for a mobile role): the boundary instant itself still counts; a test
    dated after ``at`` is not valid either.

    Raises
    ------
    InvalidInputError
        If ``at`` is not timezone-aware.
    """
    require_aware(at, "at")
    return member.tested_at <= at <= test_expires_at(member, policy=policy)


def stale_reasons(crew: Sequence[CrewMember], at: datetime, *, policy: PassPolicy = DEFAULT_POLICY) -> list[str]:
    """One English reason per crew member whose test is not fresh at ``at``; empty when all are fresh.

    Raises
    ------
    InvalidInputError
        If ``at`` is not timezone-aware.
    """
    require_aware(at, "at")
    out = []
    for i, member in enumerate(crew):
        if member.tested_at > at:
            out.append(f"crew[{i}] ({member.role}): test time {member.tested_at.isoformat()} is after {at.isoformat()}")
        elif not test_fresh(member, at, policy=policy):
            hours = _validity(member.mobile_role, policy) / timedelta(hours=1)
            out.append(
                f"crew[{i}] ({member.role}): nucleic-acid test taken {member.tested_at.isoformat()} is older "
                f"than {hours:g} h at {at.isoformat()}"
            )
    return out


# the names start with "test_" (the policy's words); keep pytest from collecting them when imported
test_fresh.__test__ = False  # type: ignore[attr-defined]
test_expires_at.__test__ = False  # type: ignore[attr-defined]
