"""recent writes: who wrote a moment ago reads from the primary (read replicas)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 18:30:00

UNLOGGED: the marks matter for seconds, are read on the primary only (a standby cannot read an unlogged table),
and cost no WAL; after a crash they are gone, and users read from replicas a few seconds early at worst.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recent_writes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("wrote_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_recent_writes")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("recent_writes")
