"""rate limits: the login and registration counters, shared by every process and replica

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:00:00

UNLOGGED: a counter is written on every allowed login or registration and matters for a period (a minute, an hour);
it costs no WAL, so no fsync on the login path and nothing shipped to standbys. After a crash the table is empty:
every client's recent attempts are forgiven once, which a limiter that is allowed to fail open accepts anyway.
The index on `full_at` lets the sweep find dead rows (bucket full again) without reading the live ones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("full_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limits")),
        prefixes=["UNLOGGED"],
    )
    op.create_index("ix_rate_limits_full_at", "rate_limits", ["full_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_full_at", table_name="rate_limits")
    op.drop_table("rate_limits")
