"""article_tags: per tag, its articles newest first, kept by triggers (the index `?tag=` pages read)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:30:00

`articles.tags` has a GIN index, which has no order: the newest 20 articles of a tag on a few thousand meant reading
all of them and sorting, or walking `ix_articles_created_at_id` backward until 20 matched (12-27 ms on a million
articles, bench/plans/README.md). One row per (tag, article), primary key (tag, created_at, article_id): a tag's
newest N articles are one backward range scan of that key, in the lists' order (created_at DESC, id DESC).

Kept exact as the counters of 0004 are: statement-level triggers with transition tables, one call per INSERT,
UPDATE, DELETE or COPY in the transaction of the change. An INSERT (or COPY) adds its articles' keys, sorted. An
UPDATE or DELETE nets +1/-1 per (tag, created_at, article) key, so an edit that keeps a tag moves nothing, and
applies what is left sorted by key; the keys go to `conduit_add_article_tags` as arrays (parameters), so that its
DELETE is not stuck with a plan made for the size of whichever statement first ran in the session (a plan cached
for a bulk delete would hash-join all of article_tags for every later one-row delete). The key is the whole row, so
inserting one already there does nothing.

No foreign key to `articles`: a cascade would need an index on `article_id` (a 3rd of the table's size again) and
a row-level check per inserted row; the delete trigger removes an article's rows by the primary key instead, and
TRUNCATE articles deletes every row (DELETE, not TRUNCATE, which fails when the same command lists article_tags).
`conduit db recount` (conduit_recount) repairs the table after a change made with the triggers disabled.

Backfill: set-based, while writers of articles wait (SHARE ROW EXCLUSIVE; readers go on), the primary key built
after the rows are in (one sort instead of three million index insertions).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An article's keys are one per distinct tag (the domain keeps tags sorted and unique; the table does not require it).
FUNCTIONS = """
CREATE FUNCTION conduit_add_article_tags(tag_names text[], times timestamptz[], ids uuid[], signs int[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH deltas AS MATERIALIZED (
        SELECT tag COLLATE "C" AS tag, created_at, article_id, sum(sign) AS delta
        FROM unnest(tag_names, times, ids, signs) AS x(tag, created_at, article_id, sign)
        GROUP BY 1, 2, 3
        HAVING sum(sign) <> 0
    ), removed AS (
        DELETE FROM article_tags a
        USING deltas d
        WHERE d.delta < 0 AND a.tag = d.tag AND a.created_at = d.created_at AND a.article_id = d.article_id
    )
    INSERT INTO article_tags (tag, created_at, article_id)
    SELECT tag, created_at, article_id FROM deltas WHERE delta > 0 ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION conduit_index_article_tags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tag_names text[] := '{}';
    times timestamptz[] := '{}';
    ids uuid[] := '{}';
    signs int[] := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (
            SELECT FROM old_articles o LEFT JOIN new_articles n USING (id)
            WHERE n.id IS NULL OR o.tags IS DISTINCT FROM n.tags OR o.created_at IS DISTINCT FROM n.created_at
        ) THEN
            RETURN NULL;  -- every article keeps its id, tags and created_at: no key changed
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN  -- new articles, new keys: nothing to net (a COPY batch of the seeder lands here)
        INSERT INTO article_tags (tag, created_at, article_id)
        SELECT t.tag COLLATE "C", n.created_at, n.id
        FROM new_articles n, LATERAL (SELECT DISTINCT unnest(n.tags) AS tag) t
        ORDER BY 1, 2, 3
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT tag_names || array_agg(k.tag), times || array_agg(k.created_at), ids || array_agg(k.article_id),
               signs || array_agg(1)
        INTO tag_names, times, ids, signs
        FROM (
            SELECT t.tag COLLATE "C" AS tag, n.created_at, n.id AS article_id
            FROM new_articles n, LATERAL (SELECT DISTINCT unnest(n.tags) AS tag) t
        ) k;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT tag_names || array_agg(k.tag), times || array_agg(k.created_at), ids || array_agg(k.article_id),
               signs || array_agg(-1)
        INTO tag_names, times, ids, signs
        FROM (
            SELECT t.tag COLLATE "C" AS tag, o.created_at, o.id AS article_id
            FROM old_articles o, LATERAL (SELECT DISTINCT unnest(o.tags) AS tag) t
        ) k;
    END IF;
    PERFORM conduit_add_article_tags(tag_names, times, ids, signs);
    RETURN NULL;
END
$$;

-- TRUNCATE fires no row or transition-table trigger: the index of no articles is empty. DELETE, not TRUNCATE: a
-- TRUNCATE that lists article_tags as well has it open.
CREATE FUNCTION conduit_reset_article_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_tags;
    RETURN NULL;
END
$$;

-- article_tags made equal to the rows of articles, set-based; how many of its rows were wrong (missing or extra).
CREATE FUNCTION conduit_reindex_article_tags() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    fixed bigint;
BEGIN
    LOCK TABLE articles IN SHARE MODE;
    WITH actual AS MATERIALIZED (
        SELECT t.tag COLLATE "C" AS tag, a.created_at, a.id AS article_id
        FROM articles a, LATERAL (SELECT DISTINCT unnest(a.tags) AS tag) t
    ), removed AS (
        DELETE FROM article_tags x
        WHERE NOT EXISTS (
            SELECT FROM actual
            WHERE actual.tag = x.tag AND actual.created_at = x.created_at AND actual.article_id = x.article_id
        )
        RETURNING 1
    ), added AS (
        INSERT INTO article_tags (tag, created_at, article_id)
        SELECT tag, created_at, article_id FROM actual
        WHERE NOT EXISTS (
            SELECT FROM article_tags x
            WHERE x.tag = actual.tag AND x.created_at = actual.created_at AND x.article_id = actual.article_id
        )
        ORDER BY 1, 2, 3
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM added) INTO fixed;
    RETURN fixed;
END
$$;

-- conduit_recount (0004) keeps its counters and reports this index as one more row.
ALTER FUNCTION conduit_recount() RENAME TO conduit_recount_counters;
CREATE FUNCTION conduit_recount() RETURNS TABLE (counter text, corrected bigint) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT c.counter, c.corrected FROM conduit_recount_counters() c;
    counter := 'article_tags'; corrected := conduit_reindex_article_tags(); RETURN NEXT;
END
$$;
"""

BACKFILL = """
INSERT INTO article_tags (tag, created_at, article_id)
SELECT t.tag COLLATE "C" AS tag, a.created_at, a.id AS article_id
FROM articles a, LATERAL (SELECT DISTINCT unnest(a.tags) AS tag) t
"""

TRIGGERS = """
CREATE TRIGGER index_article_tags_inserted AFTER INSERT ON articles
    REFERENCING NEW TABLE AS new_articles FOR EACH STATEMENT EXECUTE FUNCTION conduit_index_article_tags();
CREATE TRIGGER index_article_tags_updated AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_articles NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION conduit_index_article_tags();
CREATE TRIGGER index_article_tags_deleted AFTER DELETE ON articles
    REFERENCING OLD TABLE AS old_articles FOR EACH STATEMENT EXECUTE FUNCTION conduit_index_article_tags();
CREATE TRIGGER index_article_tags_truncated AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION conduit_reset_article_tags();
"""


def upgrade() -> None:
    # Writers of articles wait until the triggers are in (none is missed between backfill and trigger); readers go on.
    op.execute("LOCK TABLE articles IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "article_tags",
        sa.Column("tag", sa.Text(collation="C"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
    )
    op.execute(BACKFILL)
    op.create_primary_key(op.f("pk_article_tags"), "article_tags", ["tag", "created_at", "article_id"])
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)
    op.execute("ANALYZE article_tags")  # planned with real statistics from the first request on


def downgrade() -> None:
    for event in ("inserted", "updated", "deleted", "truncated"):
        op.execute(f"DROP TRIGGER index_article_tags_{event} ON articles")
    op.execute("DROP FUNCTION conduit_recount()")
    op.execute("ALTER FUNCTION conduit_recount_counters() RENAME TO conduit_recount")
    for function in (
        "conduit_reindex_article_tags()",
        "conduit_reset_article_tags()",
        "conduit_index_article_tags()",
        "conduit_add_article_tags(text[], timestamptz[], uuid[], int[])",
    ):
        op.execute(f"DROP FUNCTION {function}")
    op.drop_table("article_tags")
