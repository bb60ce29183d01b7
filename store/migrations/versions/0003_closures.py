"""closures green channels

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "closures",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("county_code", sa.String(12), nullable=False, index=True),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("starts_at", TS, nullable=False, index=True),
        sa.Column("ends_at", TS, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("grade", sa.String(20), nullable=True),
        sa.Column("approval_level", sa.String(20), nullable=True),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("arcs", sa.Text, nullable=False),
        sa.Column("matched", sa.Text, nullable=False),
        sa.Column("geometry", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("blocking", sa.Text, nullable=False),
        sa.Column("impact", sa.Text, nullable=False),
        sa.Column("network", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "closure_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("closure_id", sa.String(40), sa.ForeignKey("closures.id"), nullable=False, index=True),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_table(
        "green_channels",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("origin_site_id", sa.String(40), nullable=False),
        sa.Column("destination_site_id", sa.String(40), nullable=False),
        sa.Column("zone_ids", sa.Text, nullable=False),
        sa.Column("arcs", sa.Text, nullable=False),
        sa.Column("geometry", sa.Text, nullable=False),
        sa.Column("length_m", sa.Float, nullable=False),
        sa.Column("travel_time_s", sa.Float, nullable=False),
        sa.Column("network", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("green_channels")
    op.drop_table("closure_events")
    op.drop_table("closures")
