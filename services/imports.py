"""Imports from files: every feature or row checked as a single create would check it, a report of
each (accepted, repaired with what, rejected with why), nothing stored until the confirmation."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from geo.errors import BaotongError
from geo.i18n import Text, format_duration
from geo.importing import ImportedFeature

#: How long checking the features of one import may take in all (each polygon's repair has its own
#: limit too); the features not reached by then are reported as not checked.
IMPORT_TIME_BUDGET_S = 60.0


@dataclass
class ImportRow:
    """The verdict on one feature of an import: accepted (as read), repaired (with what), or rejected."""

    index: int
    label: str
    status: Literal["accepted", "repaired", "rejected"]
    notes: list[str] = field(default_factory=list)
    reason: str | None = None
    feature: dict[str, Any] | None = None  # what confirming stores, for accepted and repaired ones


@dataclass
class ImportReport:
    format: str
    rows: list[ImportRow]

    @property
    def counts(self) -> dict[str, int]:
        out = {"accepted": 0, "repaired": 0, "rejected": 0}
        for r in self.rows:
            out[r.status] += 1
        return out


def check_rows(
    found: list[ImportedFeature],
    check: Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]],
    *,
    budget_s: float = IMPORT_TIME_BUDGET_S,
) -> list[ImportRow]:
    """``check(feature) -> (what would be stored, what was repaired)`` on every feature read, within
    ``budget_s`` in all; a domain error rejects the feature with its message."""
    deadline = time.monotonic() + budget_s
    rows = []
    for item in found:
        if item.feature is None:
            rows.append(ImportRow(item.index, item.label, "rejected", item.notes, item.error))
            continue
        if time.monotonic() > deadline:
            reason = Text(
                f"not checked: the import's {budget_s:.0f} s were used up; import the rest in another file",
                zh=f"未检查：本次导入的 {format_duration(budget_s)} 已用完；请把其余部分放在另一个文件中导入",
            )
            rows.append(ImportRow(item.index, item.label, "rejected", item.notes, reason))
            continue
        try:
            checked, repaired = check(item.feature)
        except BaotongError as err:
            rows.append(ImportRow(item.index, item.label, "rejected", item.notes, Text(str(err), zh=err.text("zh"))))
            continue
        status: Literal["accepted", "repaired"] = "repaired" if repaired else "accepted"
        rows.append(ImportRow(item.index, item.label, status, [*item.notes, *repaired], feature=checked))
    return rows
