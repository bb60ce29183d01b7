"""Files sent to an import: a ``multipart/form-data`` upload (field ``file`` and a few text fields)
or a JSON body; and the template files offered for download."""

from __future__ import annotations

from fastapi import HTTPException, Request, status
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from geo.importing import MAX_BYTES, template
from services import fleet_imports

UPLOAD_RESPONSES: dict[int | str, dict] = {
    413: {"description": "the upload is larger than the limit"},
    415: {"description": "neither multipart/form-data nor JSON"},
}
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def choice(value: object, name: str, allowed: tuple[str, ...] | list[str], default: str | None) -> str | None:
    """A text field that must be one of ``allowed`` (``default`` when absent or empty), else a 422."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in allowed:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"`{name}` was {value!r}; expected one of {list(allowed)}"
        )
    return value


async def read_upload(
    request: Request, fields: tuple[str, ...], *, json_name: str = "upload.geojson"
) -> tuple[bytes, str | None, dict[str, object]]:
    """``(bytes, file name, {field: value})`` of an upload: the multipart field ``file`` and the text
    fields named, or a JSON body (named ``json_name``) with the fields from the query string.

    Raises
    ------
    HTTPException
        413 for an upload over the limit, 415 for another content type, 422 for a form without a file.
    """
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BYTES + 100_000:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"the upload has {int(size):,} bytes; the limit is {MAX_BYTES:,}"
        )
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:  # closes the spooled upload
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the form has no file in its `file` field")
            data = await upload.read(MAX_BYTES + 1)
            return data, upload.filename, {k: form.get(k) for k in fields}
    if ctype in ("application/json", "application/geo+json"):
        data = await request.body()
        if len(data) > MAX_BYTES:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, f"the body has {len(data):,} bytes; the limit is {MAX_BYTES:,}"
            )
        values: dict[str, object] = {k: request.query_params.get(k) for k in fields}
        if "format" in values and not values["format"]:
            values["format"] = "geojson"  # a JSON body is GeoJSON
        return data, json_name, values
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"Content-Type was {ctype or '(none)'!r}; expected multipart/form-data with a `file`, or application/json",
    )


def template_response(kind: str, fmt: str, stem: str) -> Response:
    """A template file to download (``fmt`` csv or xlsx)."""
    if fmt not in TEMPLATE_TYPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no template {stem}.{fmt}; there are .csv and .xlsx")
    data = fleet_imports.template(kind, fmt) if kind in fleet_imports.FLEET_KINDS else template(kind, fmt)
    return Response(
        data,
        media_type=TEMPLATE_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )
