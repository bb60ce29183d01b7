"""What the list endpoints share: the page parameters, the ``next`` URL, and streamed exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import StreamingResponse

from services.exports import MEDIA_TYPES, Export
from store.paging import DEFAULT_LIMIT, MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page (default {DEFAULT_LIMIT})")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="where the page starts: the `cursor` of the previous page's `next`")
]


def next_url(request: Request, cursor: str | None) -> str | None:
    """The URL of the next page (this one's path and filters, ``cursor`` set), or ``None`` on the last page."""
    if cursor is None:
        return None
    url = request.url.include_query_params(cursor=cursor)
    return f"{url.path}?{url.query}"


def export_response(export: Export) -> StreamingResponse:
    """A streamed download (``Content-Disposition: attachment``)."""
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"', "Cache-Control": "no-store"},
    )


def export_responses(*formats: str, json_model: Any = None) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a list endpoint that also exports ``formats``."""
    content: dict[str, Any] = {MEDIA_TYPES[f].split(";")[0]: {} for f in formats}
    if json_model is not None:
        content["application/json"] = {"schema": {"$ref": f"#/components/schemas/{json_model.__name__}"}}
    return {200: {"content": content, "description": "a page of the list, or the export of `format`"}}
