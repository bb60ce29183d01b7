"""pass supersession links, the enterprise a route was planned for

Revision ID: 0009
Revises: 0008

``passes.replaces`` / ``passes.superseded_by`` link a pass to the one it superseded (an explicit
``replaces`` or a renewal) and to its successor; ``routes.enterprise_id`` says whose route it is, so
an enterprise-bound dispatcher reads only its own enterprise's routes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passes") as batch:
        batch.add_column(sa.Column("replaces", sa.String(12), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.String(12), nullable=True))
    with op.batch_alter_table("routes") as batch:
        batch.add_column(sa.Column("enterprise_id", sa.String(40), nullable=True))
    op.create_index("ix_routes_enterprise_id", "routes", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_routes_enterprise_id", table_name="routes")
    with op.batch_alter_table("routes") as batch:
        batch.drop_column("enterprise_id")
    with op.batch_alter_table("passes") as batch:
        batch.drop_column("superseded_by")
        batch.drop_column("replaces")
