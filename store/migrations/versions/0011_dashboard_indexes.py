"""indexes for the dashboard's counts by time

Revision ID: 0011
Revises: 0010

The dashboard counts passes issued and revoked, routes stored and fuses made since the start of the
bureau's day, and its fingerprint reads the latest of each: indexed, each is a range or an index end,
not a scan of the table (a route row holds its whole document).
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_routes_created_at", "routes", "created_at"),
    ("ix_passes_issued_at", "passes", "issued_at"),
    ("ix_passes_revoked_at", "passes", "revoked_at"),
    ("ix_fuses_created_at", "fuses", "created_at"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
