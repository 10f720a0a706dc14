"""The schema, as SQLAlchemy Core tables: the only place that knows column types, and Alembic's target."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)

from domain.users import EMAIL_MAX_LENGTH, USERNAME_MAX_LENGTH

# Named constraints: the unit of work turns a violated name into a domain error (see unit_of_work.py).
metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("username", String(USERNAME_MAX_LENGTH), nullable=False, unique=True),
    Column("email", String(EMAIL_MAX_LENGTH), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("bio", Text),
    Column("image", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
# Emails are unique whatever their case; logins look them up through the same expression.
Index("uq_users_email_lower", func.lower(users.c.email), unique=True)

follows = Table(
    "follows",
    metadata,
    Column("follower_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("followee_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("follower_id <> followee_id", name="not_self"),
)
