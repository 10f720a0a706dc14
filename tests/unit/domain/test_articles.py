import dataclasses
import re
import uuid
from datetime import timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.articles import (
    SLUG_MAX_LENGTH,
    SLUG_SUFFIX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_ARTICLE_MAX,
    TITLE_MAX_LENGTH,
    Article,
    normalize_tags,
    slugify,
)
from domain.errors import InvalidInput, NotArticleAuthor
from domain.ids import ArticleId, new_article_id, new_user_id
from domain.users import KEEP
from domain.validation import BLANK
from tests.builders import NOW, a_user, an_article

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # lower-case words joined by single dashes
JAKE = a_user(username="jake")
AMY = a_user(username="amy")
VALID = {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "You have to believe"}

article_ids = st.uuids(version=4).map(ArticleId)


def suffix(article_id: ArticleId) -> str:
    return article_id.hex[:SLUG_SUFFIX_LENGTH]


def write_errors(**fields: str | None) -> dict[str, list[str]]:
    values = {**VALID, **fields}
    with pytest.raises(InvalidInput) as raised:
        Article.write(
            author_id=JAKE.id, now=NOW, title=values["title"], description=values["description"], body=values["body"]
        )
    return raised.value.errors


def snapshot(article: Article) -> dict[str, object]:
    return dataclasses.asdict(article)


def dragon_article(*, description: str = "Ever wonder how?", body: str = "You have to believe") -> Article:
    return an_article(
        author=JAKE, title="How to train your dragon", description=description, body=body, tags=["training", "dragons"]
    )


# slugify


def test_slugify_joins_lower_case_words_with_dashes_and_ends_with_the_id_suffix() -> None:
    article_id = ArticleId(uuid.UUID("4f1c2a9b-0e3d-4aaa-8bbb-123456789abc"))

    slug = slugify("How to Train Your Dragon", article_id)

    assert slug == "how-to-train-your-dragon-4f1c2a9b0e3d"


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("  Hello,   World!!  ", "hello-world"),
        ("--Already-dashed--", "already-dashed"),
        ("Crème brûlée à l'orange", "creme-brulee-a-l-orange"),
        ("C++ & Python 3.12", "c-python-3-12"),
        ("\uff26\uff35\uff2c\uff2c \uff57\uff49\uff44\uff54\uff48", "full-width"),  # full-width letters
    ],
)
def test_slugify_keeps_only_ascii_letters_and_digits(title: str, words: str) -> None:
    article_id = new_article_id()

    slug = slugify(title, article_id)

    assert slug == f"{words}-{suffix(article_id)}"


@pytest.mark.parametrize("title", ["Как приручить дракона", "龍の育て方", "🐉🐉🐉", "!!!", "   ", "-", "ΑΒΓ"])
def test_slugify_falls_back_to_article_when_the_title_has_no_latin_letter_or_digit(title: str) -> None:
    article_id = new_article_id()

    slug = slugify(title, article_id)

    assert slug == f"article-{suffix(article_id)}"


def test_slugify_cuts_a_long_title_without_leaving_a_dash_before_the_suffix() -> None:
    article_id = new_article_id()
    title = "a" * 79 + " " + "b" * 50  # the cut at 80 characters falls right after the space

    slug = slugify(title, article_id)

    assert slug == "a" * 79 + "-" + suffix(article_id)
    assert len(slug) <= SLUG_MAX_LENGTH


@settings(max_examples=100, deadline=None)
@given(title=st.text(max_size=300), article_id=article_ids)
def test_slugify_gives_a_clean_bounded_slug_ending_with_the_id_suffix_for_any_title(
    title: str, article_id: ArticleId
) -> None:
    slug = slugify(title, article_id)

    assert SLUG.fullmatch(slug), slug
    assert slug.endswith("-" + suffix(article_id))
    assert len(slug) <= SLUG_MAX_LENGTH
    assert "--" not in slug


@settings(max_examples=50, deadline=None)
@given(title=st.text(max_size=100), first=article_ids, second=article_ids)
def test_slugify_gives_different_slugs_to_the_same_title_with_different_ids(
    title: str, first: ArticleId, second: ArticleId
) -> None:
    assume(suffix(first) != suffix(second))

    assert slugify(title, first) != slugify(title, second)


def test_slugify_is_deterministic() -> None:
    article_id = new_article_id()

    assert slugify("Same title", article_id) == slugify("Same title", article_id)


# normalize_tags


def test_normalize_tags_trims_deduplicates_and_sorts() -> None:
    tags = normalize_tags(["training", " dragons", "dragons ", "training", "angular"])

    assert tags == ["angular", "dragons", "training"]


def test_normalize_tags_of_nothing_is_an_empty_list() -> None:
    assert normalize_tags([]) == []


def test_normalize_tags_keeps_case_distinct() -> None:
    tags = normalize_tags(["Dragons", "dragons"])

    assert tags == ["Dragons", "dragons"]


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_normalize_tags_rejects_a_blank_tag(blank: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        normalize_tags(["dragons", blank])

    assert raised.value.errors == {"tagList": [f"each tag {BLANK}"]}


def test_normalize_tags_rejects_a_tag_longer_than_the_maximum() -> None:
    with pytest.raises(InvalidInput) as raised:
        normalize_tags(["t" * (TAG_MAX_LENGTH + 1)])

    assert raised.value.errors == {"tagList": [f"each tag is too long (maximum is {TAG_MAX_LENGTH} characters)"]}


def test_normalize_tags_accepts_a_tag_of_the_maximum_length_once_trimmed() -> None:
    tags = normalize_tags(["  " + "t" * TAG_MAX_LENGTH + "  "])

    assert tags == ["t" * TAG_MAX_LENGTH]


@pytest.mark.parametrize("tag", ["two\nlines", "tab\there", "nul\x00"])
def test_normalize_tags_rejects_control_characters_inside_a_tag(tag: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        normalize_tags([tag])

    assert raised.value.errors == {"tagList": ["each tag contains invalid characters"]}


def test_normalize_tags_rejects_more_tags_than_the_maximum() -> None:
    with pytest.raises(InvalidInput) as raised:
        normalize_tags([f"tag{n}" for n in range(TAGS_PER_ARTICLE_MAX + 1)])

    assert raised.value.errors == {"tagList": [f"is too long (maximum is {TAGS_PER_ARTICLE_MAX} tags)"]}


def test_normalize_tags_counts_tags_after_removing_duplicates() -> None:
    names = [f"tag{n}" for n in range(TAGS_PER_ARTICLE_MAX)]

    tags = normalize_tags([*names, "tag0", " tag1 "])

    assert tags == sorted(names)


valid_tags = st.text(
    alphabet=st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=TAG_MAX_LENGTH
).filter(lambda tag: tag.strip() != "")


@settings(max_examples=50, deadline=None)
@given(tags=st.lists(valid_tags, max_size=TAGS_PER_ARTICLE_MAX))
def test_normalize_tags_gives_the_sorted_distinct_trimmed_names(tags: list[str]) -> None:
    normalized = normalize_tags(tags)

    assert normalized == sorted(set(normalized))
    assert set(normalized) == {tag.strip() for tag in tags}


# Article.write


def test_write_makes_an_article_with_a_slug_from_its_title_and_sorted_tags() -> None:
    article = Article.write(author_id=JAKE.id, now=NOW, tags=["training", "dragons"], **VALID)

    assert article.author_id == JAKE.id
    assert article.slug == f"how-to-train-your-dragon-{suffix(article.id)}"
    assert (article.title, article.description, article.body) == (
        "How to train your dragon",
        "Ever wonder how?",
        "You have to believe",
    )
    assert article.tags == ["dragons", "training"]
    assert article.created_at == article.updated_at == NOW


def test_write_without_tags_gives_no_tags() -> None:
    article = Article.write(author_id=JAKE.id, now=NOW, **VALID)

    assert article.tags == []


def test_write_twice_with_the_same_title_gives_distinct_ids_and_slugs() -> None:
    first = Article.write(author_id=JAKE.id, now=NOW, **VALID)
    second = Article.write(author_id=JAKE.id, now=NOW, **VALID)

    assert first.id != second.id
    assert first.slug != second.slug
    assert first != second


@pytest.mark.parametrize("field", ["title", "description", "body"])
@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t"])
def test_write_rejects_a_blank_field(field: str, blank: str | None) -> None:
    errors = write_errors(**{field: blank})

    assert errors == {field: [BLANK]}


def test_write_reports_every_blank_field_at_once() -> None:
    errors = write_errors(title="", description=None, body=" ")

    assert errors == {"title": [BLANK], "description": [BLANK], "body": [BLANK]}


def test_write_rejects_a_title_longer_than_the_maximum() -> None:
    errors = write_errors(title="t" * (TITLE_MAX_LENGTH + 1))

    assert errors == {"title": [f"is too long (maximum is {TITLE_MAX_LENGTH} characters)"]}


def test_write_rejects_a_title_on_several_lines_but_accepts_a_body_on_several_lines() -> None:
    errors = write_errors(title="How to\ntrain", body="line one\nline two")

    assert errors == {"title": ["contains invalid characters"]}


def test_write_rejects_invalid_tags() -> None:
    with pytest.raises(InvalidInput) as raised:
        Article.write(author_id=JAKE.id, now=NOW, tags=["dragons", " "], **VALID)

    assert raised.value.errors == {"tagList": [f"each tag {BLANK}"]}


# Article.edit


def test_edit_by_someone_else_raises_not_article_author_and_changes_nothing() -> None:
    article = dragon_article()
    before = snapshot(article)

    with pytest.raises(NotArticleAuthor) as raised:
        article.edit(editor_id=AMY.id, now=NOW + timedelta(minutes=1), title="Mine now", tags=[])

    assert raised.value.errors == {"article": ["forbidden"]}
    assert snapshot(article) == before


def test_edit_by_someone_else_is_forbidden_even_when_the_fields_are_invalid() -> None:
    article = dragon_article()

    with pytest.raises(NotArticleAuthor):
        article.edit(editor_id=AMY.id, now=NOW, title="", tags=None)


def test_edit_of_the_title_moves_the_slug_and_keeps_the_id_suffix() -> None:
    article = dragon_article()
    old_slug = article.slug

    article.edit(editor_id=JAKE.id, now=NOW, title="Did you train your dragon?")

    assert article.title == "Did you train your dragon?"
    assert article.slug == f"did-you-train-your-dragon-{suffix(article.id)}"
    assert article.slug != old_slug
    assert article.slug.endswith(old_slug[-SLUG_SUFFIX_LENGTH:])


def test_edit_with_the_same_title_keeps_the_slug() -> None:
    article = dragon_article()
    old_slug = article.slug

    article.edit(editor_id=JAKE.id, now=NOW, title="How to train your dragon")

    assert article.slug == old_slug


def test_edit_changes_only_the_given_fields() -> None:
    article = dragon_article(description="old description", body="old body")
    old_slug = article.slug

    article.edit(editor_id=JAKE.id, now=NOW, body="new body")

    assert (article.title, article.slug, article.description, article.body) == (
        "How to train your dragon",
        old_slug,
        "old description",
        "new body",
    )
    assert article.tags == ["dragons", "training"]


def test_edit_keeps_the_tags_when_they_are_not_given() -> None:
    article = dragon_article()

    article.edit(editor_id=JAKE.id, now=NOW, tags=KEEP, title="New title")

    assert article.tags == ["dragons", "training"]


def test_edit_with_an_empty_tag_list_clears_the_tags() -> None:
    article = dragon_article()

    article.edit(editor_id=JAKE.id, now=NOW, tags=[])

    assert article.tags == []


def test_edit_replaces_the_tags_normalized() -> None:
    article = dragon_article()

    article.edit(editor_id=JAKE.id, now=NOW, tags=[" zebra", "apple", "zebra "])

    assert article.tags == ["apple", "zebra"]


def test_edit_refuses_null_tags_and_changes_nothing() -> None:
    article = dragon_article()
    before = snapshot(article)

    with pytest.raises(InvalidInput) as raised:
        article.edit(editor_id=JAKE.id, now=NOW + timedelta(minutes=1), title="New title", tags=None)

    assert raised.value.errors == {"tagList": [BLANK]}
    assert snapshot(article) == before


def test_edit_reports_every_invalid_field_at_once_and_changes_nothing() -> None:
    article = dragon_article()
    before = snapshot(article)

    with pytest.raises(InvalidInput) as raised:
        article.edit(editor_id=JAKE.id, now=NOW, title="", description=None, body="  ", tags=None)

    assert raised.value.errors == {"title": [BLANK], "description": [BLANK], "body": [BLANK], "tagList": [BLANK]}
    assert snapshot(article) == before


def test_edit_with_invalid_tags_changes_nothing() -> None:
    article = dragon_article()
    before = snapshot(article)

    with pytest.raises(InvalidInput):
        article.edit(editor_id=JAKE.id, now=NOW, title="New title", tags=["ok", ""])

    assert snapshot(article) == before


def test_edit_sets_updated_at_to_now_and_keeps_created_at() -> None:
    article = dragon_article()
    later = NOW + timedelta(minutes=5)

    article.edit(editor_id=JAKE.id, now=later, body="new body")

    assert article.updated_at == later
    assert article.created_at == NOW


def test_edit_moves_updated_at_one_millisecond_on_when_the_clock_has_not_moved() -> None:
    article = dragon_article()

    article.edit(editor_id=JAKE.id, now=NOW, body="new body")

    assert article.updated_at == NOW + timedelta(milliseconds=1)
    assert article.created_at == NOW


def test_edit_moves_updated_at_forward_even_when_the_clock_went_back() -> None:
    article = dragon_article()

    article.edit(editor_id=JAKE.id, now=NOW - timedelta(hours=1), body="new body")

    assert article.updated_at == NOW + timedelta(milliseconds=1)


def test_edit_several_times_at_the_same_moment_gives_strictly_increasing_updated_at() -> None:
    article = dragon_article()
    seen = [article.updated_at]

    for n in range(3):
        article.edit(editor_id=JAKE.id, now=NOW, body=f"body {n}")
        seen.append(article.updated_at)

    assert seen == [NOW + timedelta(milliseconds=n) for n in range(4)]
    assert article.created_at == NOW


def test_edit_with_no_field_still_marks_the_article_updated() -> None:
    article = dragon_article()
    before = snapshot(article)

    article.edit(editor_id=JAKE.id, now=NOW + timedelta(seconds=3))

    assert snapshot(article) == {**before, "updated_at": NOW + timedelta(seconds=3)}


# identity


def test_articles_are_equal_when_their_ids_are_equal() -> None:
    article_id = new_article_id()

    first = an_article(author=JAKE, article_id=article_id, title="One")
    again = an_article(author=AMY, article_id=article_id, title="Two")

    assert first == again
    assert hash(first) == hash(again)
    assert first != an_article(author=JAKE, title="One")


def test_ensure_author_accepts_the_author_and_refuses_anyone_else() -> None:
    article = dragon_article()

    article.ensure_author(JAKE.id)

    with pytest.raises(NotArticleAuthor):
        article.ensure_author(new_user_id())
