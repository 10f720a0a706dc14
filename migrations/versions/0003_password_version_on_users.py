"""password version on users, and the sign-in session that changed it last

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:20:40.684054
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_version", sa.Integer(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("password_changed_in", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "password_changed_in")
    op.drop_column("users", "password_version")
