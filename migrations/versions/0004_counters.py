"""counters kept by triggers: articles in all, per tag, per author, per favoriter; the tag catalog's version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 17:50:00.000000

The total is the sum of 16 slots (a transaction adds to slot pg_backend_pid() % 16, so concurrent writers do not
queue on one row). Statement-level triggers with transition tables: one call per INSERT, UPDATE, DELETE or COPY,
however many rows it touches (a cascade from deleting a user, a seeding batch), in the transaction of the change.
Each call nets the changes per key and applies them in a fixed order (total, authors, tags, catalog; fans), every
multi-row upsert sorted by key, so concurrent writers wait for each other instead of deadlocking. A decrement for a
user being deleted is skipped: that user's counter row goes with them (ON DELETE CASCADE).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = """
CREATE FUNCTION conduit_add_article_counts(authors uuid[], author_signs int[], tag_names text[], tag_signs int[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
    flips bigint;
BEGIN
    SELECT coalesce(sum(sign), 0) INTO total FROM unnest(author_signs) AS s(sign);
    IF total <> 0 THEN
        INSERT INTO article_totals AS t (shard, articles) VALUES (pg_backend_pid() % 16, total)
        ON CONFLICT (shard) DO UPDATE SET articles = t.articles + excluded.articles;
    END IF;
    INSERT INTO user_article_counts AS c (user_id, articles)
    SELECT d.user_id, d.delta
    FROM (SELECT user_id, sum(sign) AS delta FROM unnest(authors, author_signs) AS x(user_id, sign) GROUP BY user_id) d
    WHERE d.delta > 0 OR (d.delta < 0 AND EXISTS (SELECT FROM users WHERE users.id = d.user_id))
    ORDER BY d.user_id
    ON CONFLICT (user_id) DO UPDATE SET articles = c.articles + excluded.articles;
    WITH deltas AS (
        SELECT name COLLATE "C" AS name, sum(sign) AS delta
        FROM unnest(tag_names, tag_signs) AS x(name, sign)
        GROUP BY 1
        HAVING sum(sign) <> 0
    ), applied AS (
        INSERT INTO tags AS t (name, articles)
        SELECT name, delta FROM deltas ORDER BY name
        ON CONFLICT (name) DO UPDATE SET articles = t.articles + excluded.articles
        RETURNING t.name, t.articles
    )
    SELECT count(*) INTO flips
    FROM applied JOIN deltas USING (name)
    WHERE (applied.articles > 0) <> (applied.articles - deltas.delta > 0);
    IF flips > 0 THEN
        INSERT INTO tag_catalog AS c (id, version) VALUES (true, gen_random_uuid())
        ON CONFLICT (id) DO UPDATE SET version = excluded.version;
    END IF;
END
$$;

CREATE FUNCTION conduit_count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    authors uuid[] := '{}';
    author_signs int[] := '{}';
    tag_names text[] := '{}';
    tag_signs int[] := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (
            SELECT FROM old_articles o JOIN new_articles n USING (id)
            WHERE o.author_id <> n.author_id OR o.tags IS DISTINCT FROM n.tags
        ) THEN
            RETURN NULL;  -- an edit of the text: nothing counted changed
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT authors || array_agg(author_id), author_signs || array_agg(1) INTO authors, author_signs
        FROM new_articles;
        SELECT tag_names || array_agg(tag), tag_signs || array_agg(1) INTO tag_names, tag_signs
        FROM new_articles, LATERAL (SELECT DISTINCT unnest(new_articles.tags) AS tag) t;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT authors || array_agg(author_id), author_signs || array_agg(-1) INTO authors, author_signs
        FROM old_articles;
        SELECT tag_names || array_agg(tag), tag_signs || array_agg(-1) INTO tag_names, tag_signs
        FROM old_articles, LATERAL (SELECT DISTINCT unnest(old_articles.tags) AS tag) t;
    END IF;
    PERFORM conduit_add_article_counts(authors, author_signs, tag_names, tag_signs);
    RETURN NULL;
END
$$;

CREATE FUNCTION conduit_count_favorites() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    fans uuid[] := '{}';
    signs int[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT fans || array_agg(user_id), signs || array_agg(1) INTO fans, signs FROM new_favorites;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT fans || array_agg(user_id), signs || array_agg(-1) INTO fans, signs FROM old_favorites;
    END IF;
    INSERT INTO user_favorite_counts AS c (user_id, favorites)
    SELECT d.user_id, d.delta
    FROM (SELECT user_id, sum(sign) AS delta FROM unnest(fans, signs) AS x(user_id, sign) GROUP BY user_id) d
    WHERE d.delta > 0 OR (d.delta < 0 AND EXISTS (SELECT FROM users WHERE users.id = d.user_id))
    ORDER BY d.user_id
    ON CONFLICT (user_id) DO UPDATE SET favorites = c.favorites + excluded.favorites;
    RETURN NULL;
END
$$;

-- TRUNCATE fires no row or transition-table trigger: start the counters it empties from zero.
CREATE FUNCTION conduit_reset_article_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_totals;
    DELETE FROM user_article_counts;
    UPDATE tags SET articles = 0 WHERE articles <> 0;
    INSERT INTO tag_catalog AS c (id, version) VALUES (true, gen_random_uuid())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END
$$;

CREATE FUNCTION conduit_reset_favorite_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_favorite_counts;
    RETURN NULL;
END
$$;

-- Every counter recomputed from the rows, set-based; one row per counter with how many entries it corrected.
-- Writers of articles and favorites wait meanwhile (SHARE locks), so nothing changes between count and fix.
CREATE FUNCTION conduit_recount() RETURNS TABLE (counter text, corrected bigint) LANGUAGE plpgsql AS $$
DECLARE
    actual bigint;
    stored bigint;
    fixed bigint;
BEGIN
    LOCK TABLE articles, favorites IN SHARE MODE;

    SELECT count(*) INTO actual FROM articles;
    SELECT coalesce(sum(articles), 0) INTO stored FROM article_totals;
    IF actual <> stored THEN
        DELETE FROM article_totals;
        INSERT INTO article_totals (shard, articles) VALUES (0, actual);
    END IF;
    counter := 'articles'; corrected := abs(actual - stored); RETURN NEXT;

    WITH actual AS (
        SELECT t.name COLLATE "C" AS name, count(*) AS articles
        FROM articles, LATERAL (SELECT DISTINCT unnest(articles.tags) AS name) t
        GROUP BY 1
    ), raised AS (
        INSERT INTO tags AS t (name, articles) SELECT name, articles FROM actual ORDER BY name
        ON CONFLICT (name) DO UPDATE SET articles = excluded.articles WHERE t.articles <> excluded.articles
        RETURNING 1
    ), zeroed AS (
        UPDATE tags SET articles = 0
        WHERE articles <> 0 AND NOT EXISTS (SELECT FROM actual WHERE actual.name = tags.name)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM raised) + (SELECT count(*) FROM zeroed) INTO fixed;
    IF fixed > 0 OR NOT EXISTS (SELECT FROM tag_catalog) THEN
        INSERT INTO tag_catalog AS c (id, version) VALUES (true, gen_random_uuid())
        ON CONFLICT (id) DO UPDATE SET version = excluded.version;
    END IF;
    counter := 'tags'; corrected := fixed; RETURN NEXT;

    WITH actual AS (
        SELECT author_id AS user_id, count(*) AS articles FROM articles GROUP BY author_id
    ), raised AS (
        INSERT INTO user_article_counts AS c (user_id, articles)
        SELECT user_id, articles FROM actual ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE SET articles = excluded.articles WHERE c.articles <> excluded.articles
        RETURNING 1
    ), dropped AS (
        DELETE FROM user_article_counts c
        WHERE NOT EXISTS (SELECT FROM actual WHERE actual.user_id = c.user_id)
        RETURNING c.articles
    )
    SELECT (SELECT count(*) FROM raised) + (SELECT count(*) FROM dropped WHERE articles <> 0) INTO fixed;
    counter := 'authors'; corrected := fixed; RETURN NEXT;

    WITH actual AS (
        SELECT user_id, count(*) AS favorites FROM favorites GROUP BY user_id
    ), raised AS (
        INSERT INTO user_favorite_counts AS c (user_id, favorites)
        SELECT user_id, favorites FROM actual ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE SET favorites = excluded.favorites WHERE c.favorites <> excluded.favorites
        RETURNING 1
    ), dropped AS (
        DELETE FROM user_favorite_counts c
        WHERE NOT EXISTS (SELECT FROM actual WHERE actual.user_id = c.user_id)
        RETURNING c.favorites
    )
    SELECT (SELECT count(*) FROM raised) + (SELECT count(*) FROM dropped WHERE favorites <> 0) INTO fixed;
    counter := 'favoriters'; corrected := fixed; RETURN NEXT;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER count_articles_inserted AFTER INSERT ON articles
    REFERENCING NEW TABLE AS new_articles FOR EACH STATEMENT EXECUTE FUNCTION conduit_count_articles();
CREATE TRIGGER count_articles_updated AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_articles NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION conduit_count_articles();
CREATE TRIGGER count_articles_deleted AFTER DELETE ON articles
    REFERENCING OLD TABLE AS old_articles FOR EACH STATEMENT EXECUTE FUNCTION conduit_count_articles();
CREATE TRIGGER count_articles_truncated AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION conduit_reset_article_counts();
CREATE TRIGGER count_favorites_inserted AFTER INSERT ON favorites
    REFERENCING NEW TABLE AS new_favorites FOR EACH STATEMENT EXECUTE FUNCTION conduit_count_favorites();
CREATE TRIGGER count_favorites_updated AFTER UPDATE ON favorites
    REFERENCING OLD TABLE AS old_favorites NEW TABLE AS new_favorites
    FOR EACH STATEMENT EXECUTE FUNCTION conduit_count_favorites();
CREATE TRIGGER count_favorites_deleted AFTER DELETE ON favorites
    REFERENCING OLD TABLE AS old_favorites FOR EACH STATEMENT EXECUTE FUNCTION conduit_count_favorites();
CREATE TRIGGER count_favorites_truncated AFTER TRUNCATE ON favorites
    FOR EACH STATEMENT EXECUTE FUNCTION conduit_reset_favorite_counts();
"""


def upgrade() -> None:
    op.create_table(
        "article_totals",
        sa.Column("shard", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("articles", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("shard", name=op.f("pk_article_totals")),
    )
    op.create_table(
        "tags",
        sa.Column("name", sa.Text(collation="C"), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tags")),
    )
    op.create_index("ix_tags_name_in_use", "tags", ["name"], unique=False, postgresql_where=sa.text("articles > 0"))
    op.create_table(
        "tag_catalog",
        sa.Column("id", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("version", sa.Uuid(), nullable=False),
        sa.CheckConstraint("id", name=op.f("ck_tag_catalog_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_catalog")),
    )
    op.create_table(
        "user_article_counts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_article_counts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_article_counts")),
    )
    op.create_table(
        "user_favorite_counts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("favorites", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_favorite_counts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_favorite_counts")),
    )
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)
    # Backfill from the rows already there (the migration's transaction holds the tables meanwhile).
    op.execute("SELECT * FROM conduit_recount()")


def downgrade() -> None:
    for table in ("articles", "favorites"):
        for event in ("inserted", "updated", "deleted", "truncated"):
            op.execute(f"DROP TRIGGER count_{table}_{event} ON {table}")
    for function in (
        "conduit_recount()",
        "conduit_reset_favorite_counts()",
        "conduit_reset_article_counts()",
        "conduit_count_favorites()",
        "conduit_count_articles()",
        "conduit_add_article_counts(uuid[], int[], text[], int[])",
    ):
        op.execute(f"DROP FUNCTION {function}")
    op.drop_table("user_favorite_counts")
    op.drop_table("user_article_counts")
    op.drop_table("tag_catalog")
    op.drop_index("ix_tags_name_in_use", table_name="tags", postgresql_where=sa.text("articles > 0"))
    op.drop_table("tags")
    op.drop_table("article_totals")
