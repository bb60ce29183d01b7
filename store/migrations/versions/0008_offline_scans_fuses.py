"""offline scans (device time, idempotency key, the device's verdict), scan flags, fuse and un-fuse steps

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("device_time", TS, nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("device_verdict", sa.String(10), nullable=True))
        batch.add_column(sa.Column("device_reasons", sa.Text, nullable=True))
        batch.add_column(sa.Column("flags", sa.Text, nullable=True))
        batch.create_unique_constraint("uq_scans_scanned_by_key", ["scanned_by", "idempotency_key"])
    with op.batch_alter_table("fuses") as batch:
        batch.add_column(sa.Column("action", sa.String(10), nullable=False, server_default="fuse"))


def downgrade() -> None:
    with op.batch_alter_table("fuses") as batch:
        batch.drop_column("action")
    with op.batch_alter_table("scans") as batch:
        batch.drop_constraint("uq_scans_scanned_by_key", type_="unique")
        for name in ("flags", "device_reasons", "device_verdict", "idempotency_key", "device_time"):
            batch.drop_column(name)
