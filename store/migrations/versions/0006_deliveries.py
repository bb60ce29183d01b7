"""delivery plans and the passes issued from them

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "delivery_plans",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("enterprise_id", sa.String(40), nullable=True, index=True),
        sa.Column("departure", TS, nullable=False),
        sa.Column("stops", sa.Integer, nullable=False),
        sa.Column("vehicles_used", sa.Integer, nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, index=True),
        sa.Column("created_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "delivery_plan_passes",
        sa.Column("pass_no", sa.String(12), primary_key=True),
        sa.Column("plan_id", sa.String(40), sa.ForeignKey("delivery_plans.id"), nullable=False, index=True),
        sa.Column("route_id", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("delivery_plan_passes")
    op.drop_table("delivery_plans")
