"""The zone-versions migration gives the zones stored before it their first versions (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from store.db import MIGRATIONS, migrate
from store.zones import zone_history
from tests._app import empty_database_url  # noqa: F401  (fixture)

RING = [[1.52, 42.50], [1.53, 42.50], [1.53, 42.51], [1.52, 42.51], [1.52, 42.50]]


def test_zones_stored_before_get_their_versions(empty_database_url):  # noqa: F811
    database_url = empty_database_url
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(cfg, "0004")
    engine = create_engine(database_url)
    geometry = json.dumps({"type": "Polygon", "coordinates": [RING]})
    with engine.begin() as conn:
        for zid, deleted in (("zone-a", None), ("zone-b", "2026-11-02T00:00:00+00:00")):
            conn.execute(
                text(
                    "INSERT INTO zones (id, name, risk, geometry, notes, created_at, created_by, deleted_at, deleted_by) "
                    "VALUES (:id, :name, 'sealed', :geometry, '[]', '2026-11-01T00:00:00+00:00', 'planner-1', "
                    ":deleted, :deleted_by)"
                ),
                {
                    "id": zid,
                    "name": zid.upper(),
                    "geometry": geometry,
                    "deleted": deleted,
                    "deleted_by": "planner-2" if deleted else None,
                },
            )
    migrate(database_url)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        a, b = zone_history(session, "zone-a"), zone_history(session, "zone-b")
        versions = dict(session.execute(text("SELECT id, version FROM zones")).all())
    engine.dispose()
    assert [(v.zone.version, v.action, v.changed_by) for v in a] == [(1, "create", "planner-1")]
    assert a[0].zone.name == "ZONE-A" and a[0].zone.geometry.bounds == (1.52, 42.5, 1.53, 42.51)
    assert [(v.zone.version, v.action, v.changed_by) for v in b] == [
        (1, "create", "planner-1"),
        (2, "delete", "planner-2"),
    ]
    assert versions == {"zone-a": 1, "zone-b": 2}
