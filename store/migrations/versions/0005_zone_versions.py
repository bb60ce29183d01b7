"""zone versions: a zone's edits kept as versions (who, when, what changed)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("zones", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "zone_versions",
        sa.Column("zone_id", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("risk", sa.String(20), nullable=False),
        sa.Column("geometry", sa.Text, nullable=False),
        sa.Column("valid_from", TS, nullable=True),
        sa.Column("valid_until", TS, nullable=True),
        sa.Column("county_code", sa.String(12), nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
    )
    # the zones stored so far: their creation is version 1, a deletion version 2
    columns = "zone_id, version, action, changed_at, changed_by, reason, changes, name, risk, geometry, "
    columns += "valid_from, valid_until, county_code, notes"
    snapshot = "name, risk, geometry, valid_from, valid_until, county_code, notes"
    op.execute(
        f"INSERT INTO zone_versions ({columns}) "
        f"SELECT id, 1, 'create', created_at, created_by, NULL, '[]', {snapshot} FROM zones"
    )
    op.execute(
        f"INSERT INTO zone_versions ({columns}) "
        f"SELECT id, 2, 'delete', deleted_at, deleted_by, NULL, '[]', {snapshot} FROM zones "
        "WHERE deleted_at IS NOT NULL"
    )
    op.execute("UPDATE zones SET version = 2 WHERE deleted_at IS NOT NULL")


def downgrade() -> None:
    op.drop_table("zone_versions")
    with op.batch_alter_table("zones") as batch:
        batch.drop_column("version")
