"""The pass policy knobs, as one frozen value the API layer builds from its settings.

The defaults follow the 2022 national key-supplies vehicle pass and the city's
work plan: a nucleic-acid test is fresh for 48 h (24 h for mobile,
high-contact roles); the issuer is Jiaozuo (administrative code 410800).
``passes`` holds no settings object of its own: the API's ``Settings`` builds a
:class:`PassPolicy` and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from geo.errors import InvalidInputError


@dataclass(frozen=True)
class PassPolicy:
    """Rules for issuing and checking passes.

    Attributes
    ----------
    admin_code
        The issuer's 6-digit administrative code (first half of a pass number).
    test_validity
        How long a nucleic-acid test stays fresh for an ordinary crew member.
    mobile_test_validity
        The same for mobile, high-contact roles.
    max_window
        The longest allowed ``valid_until - valid_from`` of one pass.
    max_lead
        How far ahead of issuance a pass may start; with ``max_window`` it bounds
        a token's lifetime after signing (see :attr:`max_lifetime`).
    """

    admin_code: str = "410800"
    test_validity: timedelta = timedelta(hours=48)
    mobile_test_validity: timedelta = timedelta(hours=24)
    max_window: timedelta = timedelta(days=7)
    max_lead: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if not (
            isinstance(self.admin_code, str)
            and len(self.admin_code) == 6
            and self.admin_code.isascii()
            and self.admin_code.isdigit()
            and self.admin_code[0] != "0"
        ):
            raise InvalidInputError(
                f"`admin_code` was {self.admin_code!r}; expected 6 digits such as '410800'",
                zh=f"`admin_code` 为 {self.admin_code!r}；应为 6 位数字，例如 '410800'",
            )
        for name in ("test_validity", "mobile_test_validity", "max_window", "max_lead"):
            value = getattr(self, name)
            if not isinstance(value, timedelta) or value <= timedelta(0):
                raise InvalidInputError(
                    f"`{name}` was {value!r}; expected a positive timedelta", zh=f"`{name}` 为 {value!r}；应为正的时长"
                )

    @property
    def max_lifetime(self) -> timedelta:
        """The longest time from signing to a token's expiry (``max_lead + max_window``)."""
        return self.max_lead + self.max_window


DEFAULT_POLICY = PassPolicy()
