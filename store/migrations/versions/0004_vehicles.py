"""vehicles crew passes scans fuses

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("enterprise_id", sa.String(40), nullable=False, index=True),
        sa.Column("plate", sa.String(20), nullable=False, index=True),
        sa.Column("ownership", sa.String(20), nullable=False),
        sa.Column("out_of_province", sa.Boolean, nullable=False),
        sa.Column("height_m", sa.Float, nullable=True),
        sa.Column("weight_t", sa.Float, nullable=True),
        sa.Column("width_m", sa.Float, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("enterprise_id", "plate", name="uq_vehicles_enterprise_plate"),
    )
    op.create_table(
        "crew",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("enterprise_id", sa.String(40), nullable=False, index=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("id_last4", sa.String(4), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("tested_at", TS, nullable=False),
        sa.Column("mobile_role", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "passes",
        sa.Column("pass_no", sa.String(12), primary_key=True),
        sa.Column("admin_code", sa.String(6), nullable=False),
        sa.Column("serial", sa.Integer, nullable=False),
        sa.Column("enterprise_id", sa.String(40), nullable=False, index=True),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("plate", sa.String(20), nullable=False, index=True),
        sa.Column("crew", sa.Text, nullable=False),
        sa.Column("cargo", sa.String(100), nullable=False),
        sa.Column("route_id", sa.String(40), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("destination", sa.Text, nullable=False),
        sa.Column("corridor", sa.Text, nullable=False),
        sa.Column("departure", TS, nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=True),
        sa.Column("revoke_reason", sa.Text, nullable=True),
        sa.UniqueConstraint("admin_code", "serial", name="uq_passes_admin_serial"),
    )
    op.create_table(
        "pass_serials",
        sa.Column("admin_code", sa.String(6), primary_key=True),
        sa.Column("last_serial", sa.Integer, nullable=False),
    )
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pass_no", sa.String(12), nullable=True, index=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False, index=True),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("plate_typed", sa.String(40), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("scanned_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "fuses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(40), nullable=False, index=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    for name in ("fuses", "scans", "pass_serials", "passes", "crew", "vehicles"):
        op.drop_table(name)
