"""Who sees what in the lists and exports: the role scoping, in one place.

* Passes and checkpoint scans (they name crews and plates): planners, checkpoint officers and
  bureau dispatchers see every enterprise's; a dispatcher bound to an enterprise
  (``users add --enterprise``) sees only its own, and naming another enterprise is refused.
* Routes: planners and bureau dispatchers see every route; a bound dispatcher sees the routes
  made by its enterprise's users.
* Sites and closures are public layers (the map and the WZDx feed show them to anyone): every
  caller sees them; a bound dispatcher's site list leaves out the other enterprises (it keeps the
  hubs, stations and demand points a trip needs).

The role a list needs is checked by the API (``api.deps.require``); this module narrows what a
permitted caller sees.
"""

from __future__ import annotations

from geo.errors import PermissionDeniedError
from store.users import Principal


def bound_enterprise(user: Principal | None) -> str | None:
    """The enterprise a caller acts for, if it is a dispatcher bound to one (else ``None``: no narrowing)."""
    if user is not None and user.role == "dispatcher" and user.enterprise_id is not None:
        return user.enterprise_id
    return None


def enterprise_filter(user: Principal | None, requested: str | None) -> str | None:
    """The enterprise a list of passes, scans or routes is narrowed to: the caller's own when it is bound
    (default), else ``requested`` (``None``: every enterprise).

    Raises
    ------
    PermissionDeniedError
        A bound dispatcher asking for another enterprise.
    """
    own = bound_enterprise(user)
    if own is not None and requested is not None and requested != own:
        assert user is not None
        raise PermissionDeniedError(
            f"dispatcher {user.name!r} acts for enterprise {own!r}, not {requested!r}",
            zh=f"调度员 {user.name!r} 只能查看本企业 {own!r} 的数据，不能查看 {requested!r}",
        )
    return own or requested


def site_enterprise_filter(user: Principal | None) -> str | None:
    """Of the enterprise sites, the only one a caller's site list keeps (``None``: all of them)."""
    return bound_enterprise(user)
