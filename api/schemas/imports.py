"""Schemas of an import's report (zones, sites)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from geo.i18n import text_in
from services.imports import ImportReport


class ImportRowPublic(BaseModel):
    index: int  # 0-based, in file order
    label: str  # how to find it in the file: "row 7 (name)", "feature 3"
    status: Literal["accepted", "repaired", "rejected"]
    notes: list[str]
    reason: str | None
    feature: dict | None  # the zone that confirming stores (WGS-84), for accepted and repaired ones


class ImportReportPublic(BaseModel):
    """Nothing is stored yet: confirm the accepted and repaired features with the import's confirm endpoint."""

    format: str
    filename: str | None
    counts: dict[str, int]
    rows: list[ImportRowPublic]

    @classmethod
    def of(cls, report: ImportReport, filename: str | None, lang: str | None = None) -> ImportReportPublic:
        """The answer of an import's check (:class:`services.imports.ImportReport`); its notes and reasons in
        ``lang`` for a client that asked for one, else in English."""
        return cls(
            format=report.format,
            filename=filename,
            counts=report.counts,
            rows=[
                ImportRowPublic(
                    index=r.index,
                    label=text_in(r.label, lang or "en"),
                    status=r.status,
                    notes=[text_in(n, lang or "en") for n in r.notes],
                    reason=text_in(r.reason, lang or "en"),
                    feature=r.feature,
                )
                for r in report.rows
            ],
        )
