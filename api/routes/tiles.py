"""The offline basemap's vector tiles: ``GET /tiles/{z}/{x}/{y}.mvt`` (built from the loaded extract)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from api.deps import ContextDep
from geo.errors import NotFoundError

router = APIRouter(tags=["maps"])

MVT = "application/vnd.mapbox-vector-tile"
#: Tiles change only when the network does (a new cache folder, a new archive): cache them a day.
CACHE_CONTROL = "public, max-age=86400"


@router.get(
    "/tiles/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "a gzip-compressed Mapbox Vector Tile"},
        204: {"description": "an empty tile (nothing of the extract there)"},
    },
)
async def tile(
    ctx: ContextDep,
    z: int = Path(ge=0, le=22),
    x: int = Path(ge=0),
    y: int = Path(ge=0),
) -> Response:
    """One basemap tile: roads by class with their names (``name:zh`` where present), water, land use,
    railways, buildings.  Stored gzip-compressed and sent as it is (``Content-Encoding: gzip``)."""
    archive = ctx.basemap
    if archive is None:
        raise NotFoundError(
            "this service has no basemap (BAOTONG_BASEMAP is off or the network has no cache folder)",
            zh="本服务没有底图（BAOTONG_BASEMAP 已关闭，或路网没有缓存目录）",
        )
    if x >= 1 << z or y >= 1 << z:
        raise NotFoundError(
            f"tile {z}/{x}/{y} does not exist (x and y below {1 << z} at zoom {z})",
            zh=f"瓦片 {z}/{x}/{y} 不存在（第 {z} 级的 x、y 应小于 {1 << z}）",
        )
    data = archive.tile(z, x, y)
    headers = {"Cache-Control": CACHE_CONTROL}
    if data is None:
        return Response(status_code=204, headers=headers)
    headers["Content-Encoding"] = "gzip"
    return Response(bytes(data), media_type=MVT, headers=headers)
