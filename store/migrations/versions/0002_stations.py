"""stations docking points drop points plans

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("model", sa.String(20), nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, index=True),
        sa.Column("created_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "docking_points",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("zone_id", sa.String(40), nullable=False, index=True),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("node", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "drop_points",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("site_id", sa.String(40), nullable=False, unique=True, index=True),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("drop_points")
    op.drop_table("docking_points")
    op.drop_table("plans")
