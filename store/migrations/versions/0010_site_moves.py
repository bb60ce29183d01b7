"""when a site was last moved or edited, and by whom

Revision ID: 0010
Revises: 0009

``sites.updated_at`` / ``updated_by`` record a planner's last move or edit of a site (``PATCH /sites/{id}``);
the map's content version counts them, so a moved site is redrawn at once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_by", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("updated_by")
        batch.drop_column("updated_at")
