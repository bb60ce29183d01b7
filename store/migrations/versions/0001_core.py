"""core tables: users, zones, sites, routes

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False, unique=True, index=True),
        sa.Column("enterprise_id", sa.String(40), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("risk", sa.String(20), nullable=False, index=True),
        sa.Column("geometry", sa.Text, nullable=False),
        sa.Column("valid_from", TS, nullable=True),
        sa.Column("valid_until", TS, nullable=True),
        sa.Column("county_code", sa.String(12), nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("deleted_at", TS, nullable=True),
        sa.Column("deleted_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("geometry", sa.Text, nullable=False),
        sa.Column("whitelist", sa.Boolean, nullable=False),
        sa.Column("sector", sa.String(100), nullable=True),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("radius_m", sa.Float, nullable=True),
        sa.Column("county_code", sa.String(12), nullable=True),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "routes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    for table in ("routes", "sites", "zones", "users"):
        op.drop_table(table)
