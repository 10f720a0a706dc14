"""The schema, as SQLAlchemy Core tables: the only place that knows column types, and Alembic's target."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.articles import SLUG_MAX_LENGTH, TITLE_MAX_LENGTH
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
    Column("password_version", Integer, nullable=False, server_default="0"),
    Column("password_changed_in", String(32)),
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

articles = Table(
    "articles",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("author_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("slug", String(SLUG_MAX_LENGTH), nullable=False, unique=True),
    Column("title", String(TITLE_MAX_LENGTH), nullable=False),
    Column("description", Text, nullable=False),
    Column("body", Text, nullable=False),
    # Tags live on their article, sorted: a page reads them with no join; the GIN index serves `?tag=`.
    Column("tags", ARRAY(Text), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
# Every list is "newest first, then id": one index per way of filtering, in that order.
Index("ix_articles_created_at_id", articles.c.created_at, articles.c.id)
Index("ix_articles_author_id_created_at_id", articles.c.author_id, articles.c.created_at, articles.c.id)
Index("ix_articles_tags", articles.c.tags, postgresql_using="gin")

comments = Table(
    "comments",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),  # the API's integer comment id
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_comments_article_id_created_at_id", comments.c.article_id, comments.c.created_at, comments.c.id)
Index("ix_comments_author_id", comments.c.author_id)

favorites = Table(
    "favorites",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_favorites_article_id", favorites.c.article_id)  # favoritesCount, and the cascade on delete

# --- Counters, kept exact by triggers (migrations/versions/0004_counters.py) in the transaction of every change, so
# that `articlesCount` and GET /api/tags cost the same on a thousand articles as on a million. Recomputed from the rows
# by `conduit db recount`. Nothing in Python writes them.

# How many articles there are: the sum of a few slots, each transaction adding to the slot of its backend, so that
# concurrent writers do not queue up on one row.
article_totals = Table(
    "article_totals",
    metadata,
    Column("shard", SmallInteger, primary_key=True, autoincrement=False),
    Column("articles", BigInteger, nullable=False),
)

# Every tag ever used, with how many articles carry it now. A tag no longer in use keeps its row at 0 (deleting it
# would race with an article adding it back); the partial index lists the tags in use, in code-point order.
tags = Table(
    "tags",
    metadata,
    Column("name", Text(collation="C"), primary_key=True),
    Column("articles", Integer, nullable=False),
)
Index("ix_tags_name_in_use", tags.c.name, postgresql_where=tags.c.articles > 0)

# A new value (random) whenever the set of tags in use changes: a process may keep the tag list while it holds.
tag_catalog = Table(
    "tag_catalog",
    metadata,
    Column("id", Boolean, primary_key=True, server_default="true"),
    Column("version", Uuid, nullable=False),
    CheckConstraint("id", name="single_row"),
)

# Per user, apart from `users` (which every signed-in request reads): articles written, and articles favorited.
# Two tables, so that deleting an article (author's row, then its fans' rows) never waits in a cycle with another.
user_article_counts = Table(
    "user_article_counts",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("articles", Integer, nullable=False),
)
user_favorite_counts = Table(
    "user_favorite_counts",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("favorites", Integer, nullable=False),
)

# Per tag, its articles newest first: the primary key (tag, created_at, article_id) read backward is a tag's page in
# the lists' order, one range scan however many articles carry the tag (the GIN index on articles.tags has no order).
# Kept exact by triggers on articles (migrations/versions/0007_article_tags.py), repaired by `conduit db recount`.
# No foreign key: the delete trigger removes an article's rows by this key (a cascade would need another index).
article_tags = Table(
    "article_tags",
    metadata,
    Column("tag", Text(collation="C"), primary_key=True),
    Column("created_at", DateTime(timezone=True), primary_key=True),
    Column("article_id", Uuid, primary_key=True),
)

# Who wrote a moment ago, so that their reads stay on the primary while replicas catch up (routing.py).
# UNLOGGED: read on the primary only, worth seconds, no WAL (migration 0005).
recent_writes = Table(
    "recent_writes",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("wrote_at", DateTime(timezone=True), nullable=False),
    prefixes=["UNLOGGED"],
)

# Rate-limit counters shared by every process (rate_limits.py): per key, when its bucket is full again (seconds since
# the epoch). UNLOGGED (migration 0006): no WAL for a write per login; after a crash the table is empty, which forgives
# every client's recent attempts once, and a standby has none of it (the counters are read and written on the primary).
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", Text, primary_key=True),
    Column("full_at", Double, nullable=False),
    prefixes=["UNLOGGED"],
)
Index("ix_rate_limits_full_at", rate_limits.c.full_at)  # the sweep finds dead rows without reading live ones
