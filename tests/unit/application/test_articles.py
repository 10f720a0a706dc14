import dataclasses
import uuid
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.memory.queries import InMemoryArticleQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.articles import (
    CreateArticle,
    CreateArticleCommand,
    DeleteArticle,
    DeleteArticleCommand,
    FeedArticles,
    FeedArticlesCommand,
    GetArticle,
    GetArticleCommand,
    ListArticles,
    ListArticlesCommand,
    UpdateArticle,
    UpdateArticleCommand,
)
from application.paging import PAGE_SIZE_MAX
from application.views import ArticlePage, ArticleView, ProfileView
from domain.articles import SLUG_SUFFIX_LENGTH, Article
from domain.errors import ArticleNotFound, InvalidInput, NotArticleAuthor, Unauthenticated
from domain.ids import ArticleId, new_user_id
from domain.users import User
from domain.validation import BLANK
from tests.builders import (
    NOW,
    FixedClock,
    a_comment,
    a_favorite,
    a_follow,
    a_user,
    an_article,
    committed,
    committed_all,
)

DRAGON = {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "You have to believe"}
JAKE = ProfileView(username="jake", bio=None, image=None, following=False)
JAKE_FOLLOWED = ProfileView(username="jake", bio=None, image=None, following=True)
LIMIT_ERROR = [f"must be between 1 and {PAGE_SIZE_MAX}"]


@pytest.fixture
def articles(store: InMemoryStore) -> InMemoryArticleQueries:
    return InMemoryArticleQueries(store)


@pytest.fixture
def create(uow: InMemoryUnitOfWork, clock: FixedClock) -> CreateArticle:
    return CreateArticle(uow=uow, clock=clock)


@pytest.fixture
def get(articles: InMemoryArticleQueries) -> GetArticle:
    return GetArticle(articles=articles)


@pytest.fixture
def update(uow: InMemoryUnitOfWork, articles: InMemoryArticleQueries, clock: FixedClock) -> UpdateArticle:
    return UpdateArticle(uow=uow, articles=articles, clock=clock)


@pytest.fixture
def delete(uow: InMemoryUnitOfWork) -> DeleteArticle:
    return DeleteArticle(uow=uow)


@pytest.fixture
def list_articles(articles: InMemoryArticleQueries) -> ListArticles:
    return ListArticles(articles=articles)


@pytest.fixture
def feed(articles: InMemoryArticleQueries) -> FeedArticles:
    return FeedArticles(articles=articles)


@pytest.fixture
def dragon(store: InMemoryStore, jake: User) -> Article:
    """Jake's article, tagged, stored."""
    article = an_article(
        author=jake,
        title=DRAGON["title"],
        description=DRAGON["description"],
        body=DRAGON["body"],
        tags=["training", "dragons"],
    )
    committed_all(store, articles=[article])
    return article


def snapshot(store: InMemoryStore) -> dict[str, object]:
    return {
        "articles": {key: dataclasses.asdict(article) for key, article in store.articles.items()},
        "comments": {key: dataclasses.asdict(comment) for key, comment in store.comments.items()},
        "favorites": dict(store.favorites),
    }


def stored(store: InMemoryStore, article: Article) -> Article:
    return store.articles[article.id]


def slugs(page: ArticlePage) -> list[str]:
    return [view.slug for view in page.articles]


def newest_first(articles: list[Article]) -> list[Article]:
    """The order the spec asks for: most recent first, ties broken by id (descending)."""
    return sorted(articles, key=lambda a: (a.created_at, a.id), reverse=True)


def article_id(n: int) -> ArticleId:
    return ArticleId(uuid.UUID(int=n))


# CreateArticle


def test_create_article_returns_the_new_article_as_its_author_sees_it(
    create: CreateArticle, jake: User, uow: InMemoryUnitOfWork
) -> None:
    view = create(CreateArticleCommand(author_id=jake.id, tags=["training", "dragons"], **DRAGON))

    assert view == ArticleView(
        slug=view.slug,
        title="How to train your dragon",
        description="Ever wonder how?",
        body="You have to believe",
        tags=("dragons", "training"),
        created_at=NOW,
        updated_at=NOW,
        favorited=False,
        favorites_count=0,
        author=JAKE,
    )
    assert view.slug.startswith("how-to-train-your-dragon-")
    assert uow.commits == 1


def test_create_article_stores_the_article_under_its_slug(
    create: CreateArticle, store: InMemoryStore, jake: User
) -> None:
    view = create(CreateArticleCommand(author_id=jake.id, **DRAGON))

    (article,) = store.articles.values()
    assert article.slug == view.slug
    assert article.author_id == jake.id
    assert article.slug.endswith("-" + article.id.hex[:SLUG_SUFFIX_LENGTH])


def test_create_article_answers_as_get_article_does_afterwards(
    create: CreateArticle, get: GetArticle, jake: User
) -> None:
    view = create(CreateArticleCommand(author_id=jake.id, tags=["b", "a"], **DRAGON))

    assert get(GetArticleCommand(slug=view.slug, viewer_id=jake.id)) == view


def test_create_article_twice_with_the_same_title_gives_distinct_slugs(
    create: CreateArticle, store: InMemoryStore, jake: User, amy: User
) -> None:
    first = create(CreateArticleCommand(author_id=jake.id, **DRAGON))

    second = create(CreateArticleCommand(author_id=jake.id, **DRAGON))
    third = create(CreateArticleCommand(author_id=amy.id, **DRAGON))

    assert len({first.slug, second.slug, third.slug}) == 3
    assert len(store.articles) == 3


def test_create_article_reports_every_blank_field_and_stores_nothing(
    create: CreateArticle, store: InMemoryStore, jake: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(InvalidInput) as raised:
        create(CreateArticleCommand(author_id=jake.id, title="", description=None, body="  "))

    assert raised.value.errors == {"title": [BLANK], "description": [BLANK], "body": [BLANK]}
    assert store.articles == {}
    assert uow.commits == 0


def test_create_article_rejects_blank_tags_and_stores_nothing(
    create: CreateArticle, store: InMemoryStore, jake: User
) -> None:
    with pytest.raises(InvalidInput) as raised:
        create(CreateArticleCommand(author_id=jake.id, tags=["dragons", ""], **DRAGON))

    assert list(raised.value.errors) == ["tagList"]
    assert store.articles == {}


def test_create_article_raises_unauthenticated_when_the_author_account_does_not_exist(
    create: CreateArticle, store: InMemoryStore, jake: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(Unauthenticated):
        create(CreateArticleCommand(author_id=new_user_id(), **DRAGON))

    assert store.articles == {}
    assert uow.commits == 0


# GetArticle


def test_get_article_shows_an_anonymous_viewer_the_article_with_its_body(
    get: GetArticle, store: InMemoryStore, dragon: Article, amy: User
) -> None:
    committed_all(store, favorites=[a_favorite(amy, dragon)])

    view = get(GetArticleCommand(slug=dragon.slug))

    assert view == ArticleView(
        slug=dragon.slug,
        title="How to train your dragon",
        description="Ever wonder how?",
        body="You have to believe",
        tags=("dragons", "training"),
        created_at=NOW,
        updated_at=NOW,
        favorited=False,
        favorites_count=1,
        author=JAKE,
    )


def test_get_article_shows_favorited_and_following_to_the_viewer_concerned(
    get: GetArticle, store: InMemoryStore, dragon: Article, jake: User, amy: User, rosa: User
) -> None:
    committed_all(store, favorites=[a_favorite(amy, dragon)], follows=[a_follow(amy, jake)])

    for_amy = get(GetArticleCommand(slug=dragon.slug, viewer_id=amy.id))
    for_rosa = get(GetArticleCommand(slug=dragon.slug, viewer_id=rosa.id))

    assert (for_amy.favorited, for_amy.favorites_count, for_amy.author) == (True, 1, JAKE_FOLLOWED)
    assert (for_rosa.favorited, for_rosa.favorites_count, for_rosa.author) == (False, 1, JAKE)


def test_get_article_raises_article_not_found_for_an_unknown_slug(get: GetArticle, dragon: Article) -> None:
    with pytest.raises(ArticleNotFound) as raised:
        get(GetArticleCommand(slug=dragon.slug + "x"))

    assert raised.value.errors == {"article": ["not found"]}


# UpdateArticle


def test_update_article_changes_the_title_and_moves_the_slug(
    update: UpdateArticle, get: GetArticle, store: InMemoryStore, dragon: Article, jake: User, uow: InMemoryUnitOfWork
) -> None:
    view = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, title="Did you train your dragon?"))

    assert view.title == "Did you train your dragon?"
    assert view.slug == "did-you-train-your-dragon-" + dragon.id.hex[:SLUG_SUFFIX_LENGTH]
    assert stored(store, dragon).slug == view.slug
    assert get(GetArticleCommand(slug=view.slug)).title == "Did you train your dragon?"
    with pytest.raises(ArticleNotFound):
        get(GetArticleCommand(slug=dragon.slug))
    assert uow.commits == 1


def test_update_article_changes_only_the_given_fields(
    update: UpdateArticle, store: InMemoryStore, dragon: Article, jake: User
) -> None:
    view = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, body="With love"))

    assert (view.slug, view.title, view.description, view.body, view.tags) == (
        dragon.slug,
        "How to train your dragon",
        "Ever wonder how?",
        "With love",
        ("dragons", "training"),
    )
    assert stored(store, dragon).body == "With love"


def test_update_article_keeps_created_at_and_moves_updated_at_to_now(
    update: UpdateArticle, clock: FixedClock, dragon: Article, jake: User
) -> None:
    later = clock.advance(timedelta(minutes=3))

    view = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, description="new"))

    assert view.created_at == NOW
    assert view.updated_at == later


def test_update_article_moves_updated_at_even_when_the_clock_has_not_moved(
    update: UpdateArticle, dragon: Article, jake: User
) -> None:
    first = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, description="one"))
    second = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, description="two"))

    assert first.created_at == second.created_at == NOW
    assert NOW < first.updated_at < second.updated_at
    assert first.updated_at - NOW >= timedelta(milliseconds=1)
    assert second.updated_at - first.updated_at >= timedelta(milliseconds=1)


def test_update_article_keeps_the_tags_when_not_given(update: UpdateArticle, dragon: Article, jake: User) -> None:
    view = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, title="New"))

    assert view.tags == ("dragons", "training")


def test_update_article_clears_the_tags_with_an_empty_list(
    update: UpdateArticle, store: InMemoryStore, dragon: Article, jake: User
) -> None:
    view = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, tags=[]))

    assert view.tags == ()
    assert stored(store, dragon).tags == []


def test_update_article_replaces_the_tags_sorted(update: UpdateArticle, dragon: Article, jake: User) -> None:
    view = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, tags=["zebra", "apple"]))

    assert view.tags == ("apple", "zebra")


def test_update_article_refuses_null_tags_and_changes_nothing(
    update: UpdateArticle, store: InMemoryStore, dragon: Article, jake: User, uow: InMemoryUnitOfWork
) -> None:
    before = snapshot(store)

    with pytest.raises(InvalidInput) as raised:
        update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, title="New", tags=None))

    assert raised.value.errors == {"tagList": [BLANK]}
    assert snapshot(store) == before
    assert uow.commits == 0


def test_update_article_refuses_a_blank_title_and_changes_nothing(
    update: UpdateArticle, store: InMemoryStore, dragon: Article, jake: User
) -> None:
    before = snapshot(store)

    with pytest.raises(InvalidInput) as raised:
        update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, title="", body="new body"))

    assert raised.value.errors == {"title": [BLANK]}
    assert snapshot(store) == before


def test_update_article_by_someone_else_raises_not_article_author_and_changes_nothing(
    update: UpdateArticle, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    before = snapshot(store)

    with pytest.raises(NotArticleAuthor) as raised:
        update(UpdateArticleCommand(slug=dragon.slug, editor_id=amy.id, title="Mine now"))

    assert raised.value.errors == {"article": ["forbidden"]}
    assert snapshot(store) == before
    assert uow.commits == 0


def test_update_article_raises_article_not_found_for_an_unknown_slug(
    update: UpdateArticle, store: InMemoryStore, dragon: Article, jake: User, uow: InMemoryUnitOfWork
) -> None:
    before = snapshot(store)

    with pytest.raises(ArticleNotFound):
        update(UpdateArticleCommand(slug="no-such-article", editor_id=jake.id, title="New"))

    assert snapshot(store) == before
    assert uow.commits == 0


def test_update_article_answers_with_the_favorites_as_the_editor_sees_them(
    update: UpdateArticle, store: InMemoryStore, dragon: Article, jake: User, amy: User
) -> None:
    committed_all(store, favorites=[a_favorite(amy, dragon)])

    view = update(UpdateArticleCommand(slug=dragon.slug, editor_id=jake.id, body="new"))

    assert (view.favorited, view.favorites_count, view.author) == (False, 1, JAKE)


# DeleteArticle


def test_delete_article_removes_it_with_its_comments_and_favorites_only(
    delete: DeleteArticle, store: InMemoryStore, dragon: Article, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    other = an_article(author=amy)
    kept_comment = a_comment(article=other, author=jake)
    committed_all(
        store,
        articles=[other],
        comments=[a_comment(article=dragon, author=amy), a_comment(article=dragon, author=jake), kept_comment],
        favorites=[a_favorite(amy, dragon), a_favorite(jake, dragon), a_favorite(jake, other)],
    )

    delete(DeleteArticleCommand(slug=dragon.slug, user_id=jake.id))

    assert set(store.articles) == {other.id}
    assert set(store.comments) == {kept_comment.id}
    assert set(store.favorites) == {(jake.id, other.id)}
    assert uow.commits == 1


def test_delete_article_makes_its_slug_unknown(
    delete: DeleteArticle, get: GetArticle, dragon: Article, jake: User
) -> None:
    delete(DeleteArticleCommand(slug=dragon.slug, user_id=jake.id))

    with pytest.raises(ArticleNotFound):
        get(GetArticleCommand(slug=dragon.slug))


def test_delete_article_by_someone_else_raises_not_article_author_and_deletes_nothing(
    delete: DeleteArticle, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    committed_all(store, comments=[a_comment(article=dragon, author=amy)], favorites=[a_favorite(amy, dragon)])
    before = snapshot(store)

    with pytest.raises(NotArticleAuthor):
        delete(DeleteArticleCommand(slug=dragon.slug, user_id=amy.id))

    assert snapshot(store) == before
    assert uow.commits == 0


def test_delete_article_raises_article_not_found_for_an_unknown_slug(
    delete: DeleteArticle, store: InMemoryStore, dragon: Article, jake: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(ArticleNotFound):
        delete(DeleteArticleCommand(slug="no-such-article", user_id=jake.id))

    assert set(store.articles) == {dragon.id}
    assert uow.commits == 0


# ListArticles


def test_list_articles_gives_every_article_newest_first_without_bodies(
    list_articles: ListArticles, store: InMemoryStore, jake: User, amy: User
) -> None:
    old = an_article(author=jake, created_at=NOW)
    new = an_article(author=amy, created_at=NOW + timedelta(seconds=1))
    middle = an_article(author=jake, created_at=NOW + timedelta(milliseconds=1))
    committed_all(store, articles=[old, new, middle])

    page = list_articles(ListArticlesCommand())

    assert slugs(page) == [new.slug, middle.slug, old.slug]
    assert page.count == 3
    assert all(view.body is None for view in page.articles)


def test_list_articles_of_an_empty_store_is_an_empty_page(list_articles: ListArticles) -> None:
    assert list_articles(ListArticlesCommand()) == ArticlePage(articles=(), count=0)


def test_list_articles_breaks_timestamp_ties_by_id_descending(
    list_articles: ListArticles, store: InMemoryStore, jake: User
) -> None:
    first, second, third = (an_article(author=jake, article_id=article_id(n), created_at=NOW) for n in (2, 3, 1))
    committed_all(store, articles=[first, second, third])

    pages = [list_articles(ListArticlesCommand(limit=1, offset=offset)) for offset in range(3)]

    assert [slugs(page) for page in pages] == [[second.slug], [first.slug], [third.slug]]


def test_list_articles_shows_the_viewer_their_favorites_and_follows(
    list_articles: ListArticles, store: InMemoryStore, jake: User, amy: User, rosa: User
) -> None:
    by_jake = an_article(author=jake, created_at=NOW + timedelta(seconds=1))
    by_rosa = an_article(author=rosa, created_at=NOW)
    committed_all(
        store,
        articles=[by_jake, by_rosa],
        favorites=[a_favorite(amy, by_rosa), a_favorite(jake, by_rosa)],
        follows=[a_follow(amy, jake)],
    )

    page = list_articles(ListArticlesCommand(viewer_id=amy.id))
    anonymous = list_articles(ListArticlesCommand())

    assert [(v.favorited, v.favorites_count, v.author.following) for v in page.articles] == [
        (False, 0, True),
        (True, 2, False),
    ]
    assert [(v.favorited, v.favorites_count, v.author.following) for v in anonymous.articles] == [
        (False, 0, False),
        (False, 2, False),
    ]


@pytest.fixture
def library(store: InMemoryStore, jake: User, amy: User, rosa: User) -> dict[str, Article]:
    """Four articles, oldest first: jake's dragons, amy's dragons, jake's cats; amy and rosa favorite some."""
    articles = {
        "jake_dragons": an_article(author=jake, tags=["dragons", "training"], created_at=NOW),
        "amy_dragons": an_article(author=amy, tags=["dragons"], created_at=NOW + timedelta(seconds=1)),
        "jake_cats": an_article(author=jake, tags=["cats"], created_at=NOW + timedelta(seconds=2)),
        "rosa_untagged": an_article(author=rosa, created_at=NOW + timedelta(seconds=3)),
    }
    committed_all(
        store,
        articles=articles.values(),
        favorites=[
            a_favorite(amy, articles["jake_dragons"]),
            a_favorite(amy, articles["jake_cats"]),
            a_favorite(rosa, articles["jake_dragons"]),
        ],
    )
    return articles


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (ListArticlesCommand(tag="dragons"), ["amy_dragons", "jake_dragons"]),
        (ListArticlesCommand(tag="training"), ["jake_dragons"]),
        (ListArticlesCommand(author="jake"), ["jake_cats", "jake_dragons"]),
        (ListArticlesCommand(favorited_by="amy"), ["jake_cats", "jake_dragons"]),
        (ListArticlesCommand(favorited_by="rosa"), ["jake_dragons"]),
        (ListArticlesCommand(favorited_by="jake"), []),
        (ListArticlesCommand(tag="dragons", author="jake"), ["jake_dragons"]),
        (ListArticlesCommand(tag="dragons", author="rosa"), []),
        (ListArticlesCommand(tag="cats", favorited_by="amy"), ["jake_cats"]),
        (ListArticlesCommand(tag="dragons", author="jake", favorited_by="rosa"), ["jake_dragons"]),
        (ListArticlesCommand(tag="cats", author="jake", favorited_by="rosa"), []),
        (ListArticlesCommand(author="nobody"), []),
        (ListArticlesCommand(favorited_by="nobody"), []),
        (ListArticlesCommand(tag="nonexistent"), []),
        (ListArticlesCommand(tag="Dragons"), []),
    ],
)
def test_list_articles_applies_every_filter_given(
    list_articles: ListArticles, library: dict[str, Article], command: ListArticlesCommand, expected: list[str]
) -> None:
    page = list_articles(command)

    assert slugs(page) == [library[name].slug for name in expected]
    assert page.count == len(expected)


def test_list_articles_counts_every_match_whatever_the_window(
    list_articles: ListArticles, library: dict[str, Article]
) -> None:
    page = list_articles(ListArticlesCommand(tag="dragons", limit=1, offset=1))

    assert slugs(page) == [library["jake_dragons"].slug]
    assert page.count == 2


def test_list_articles_past_the_last_match_is_empty_but_still_counts(
    list_articles: ListArticles, library: dict[str, Article]
) -> None:
    page = list_articles(ListArticlesCommand(offset=10))

    assert page == ArticlePage(articles=(), count=4)


@pytest.mark.parametrize(
    ("limit", "offset", "errors"),
    [
        (0, 0, {"limit": LIMIT_ERROR}),
        (PAGE_SIZE_MAX + 1, 0, {"limit": LIMIT_ERROR}),
        (-1, 0, {"limit": LIMIT_ERROR}),
        (20, -1, {"offset": [f"must be between 0 and {2**31 - 1}"]}),
        (20, 2**31, {"offset": [f"must be between 0 and {2**31 - 1}"]}),
        (0, -1, {"limit": LIMIT_ERROR, "offset": [f"must be between 0 and {2**31 - 1}"]}),
    ],
)
def test_list_articles_refuses_a_window_out_of_range(
    list_articles: ListArticles, library: dict[str, Article], limit: int, offset: int, errors: dict[str, list[str]]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        list_articles(ListArticlesCommand(limit=limit, offset=offset))

    assert raised.value.errors == errors


@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (PAGE_SIZE_MAX, 0), (1, 2**31 - 1)])
def test_list_articles_accepts_the_window_bounds(
    list_articles: ListArticles, library: dict[str, Article], limit: int, offset: int
) -> None:
    page = list_articles(ListArticlesCommand(limit=limit, offset=offset))

    assert page.count == 4


def test_list_articles_defaults_to_twenty_items(list_articles: ListArticles, store: InMemoryStore, jake: User) -> None:
    committed_all(store, articles=[an_article(author=jake) for _ in range(25)])

    page = list_articles(ListArticlesCommand())

    assert (len(page.articles), page.count) == (20, 25)


# Properties of lists, checked against a plain Python model


@st.composite
def stored_articles(draw: st.DrawFn) -> tuple[InMemoryStore, list[User], list[Article], set[tuple[User, Article]]]:
    """A fresh store with three users, some articles (timestamps often equal) and some favorites."""
    store = InMemoryStore()
    users = [a_user(username=name) for name in ("jake", "amy", "rosa")]
    committed(store, *users)
    count = draw(st.integers(min_value=0, max_value=25))
    articles = [
        an_article(
            author=draw(st.sampled_from(users)),
            tags=draw(st.lists(st.sampled_from(["dragons", "training", "cats"]), max_size=3)),
            created_at=NOW + timedelta(seconds=draw(st.integers(min_value=0, max_value=5))),
        )
        for _ in range(count)
    ]
    favorites = draw(st.sets(st.tuples(st.sampled_from(users), st.sampled_from(articles)))) if articles else set()
    committed_all(store, articles=articles, favorites=[a_favorite(user, article) for user, article in favorites])
    return store, users, articles, favorites


@settings(max_examples=50, deadline=None)
@given(
    data=stored_articles(),
    limit=st.integers(min_value=1, max_value=PAGE_SIZE_MAX),
    offset=st.integers(min_value=0, max_value=30),
)
def test_list_articles_pages_through_the_articles_newest_first(
    data: tuple[InMemoryStore, list[User], list[Article], set[tuple[User, Article]]], limit: int, offset: int
) -> None:
    store, _, articles, _ = data
    expected = newest_first(articles)[offset : offset + limit]

    page = ListArticles(articles=InMemoryArticleQueries(store))(ListArticlesCommand(limit=limit, offset=offset))

    assert slugs(page) == [article.slug for article in expected]
    assert page.count == len(articles)


@settings(max_examples=50, deadline=None)
@given(
    data=stored_articles(),
    tag=st.sampled_from([None, "dragons", "training", "cats", "unused"]),
    author=st.sampled_from([None, "jake", "amy", "rosa", "nobody"]),
    favorited_by=st.sampled_from([None, "jake", "amy", "rosa", "nobody"]),
    viewer=st.sampled_from([None, "jake", "amy", "rosa"]),
)
def test_list_articles_gives_exactly_the_articles_matching_every_filter(
    data: tuple[InMemoryStore, list[User], list[Article], set[tuple[User, Article]]],
    tag: str | None,
    author: str | None,
    favorited_by: str | None,
    viewer: str | None,
) -> None:
    store, users, articles, favorites = data
    by_name = {user.username: user for user in users}
    author_of = {user.id: user for user in users}
    fans = {(user.username, article.id) for user, article in favorites}
    viewer_id = by_name[viewer].id if viewer else None
    expected = [
        article
        for article in newest_first(articles)
        if (tag is None or tag in article.tags)
        and (author is None or author_of[article.author_id].username == author)
        and (favorited_by is None or (favorited_by, article.id) in fans)
    ]
    command = ListArticlesCommand(
        viewer_id=viewer_id, tag=tag, author=author, favorited_by=favorited_by, limit=PAGE_SIZE_MAX
    )

    page = ListArticles(articles=InMemoryArticleQueries(store))(command)

    assert slugs(page) == [article.slug for article in expected]
    assert page.count == len(expected)
    assert [(view.favorited, view.favorites_count, view.author.username) for view in page.articles] == [
        (
            (viewer, article.id) in fans,
            sum(1 for _, favorite_of in favorites if favorite_of.id == article.id),
            author_of[article.author_id].username,
        )
        for article in expected
    ]


# FeedArticles


@pytest.fixture
def amy_follows_jake_and_rosa(store: InMemoryStore, jake: User, amy: User, rosa: User) -> None:
    committed_all(store, follows=[a_follow(amy, jake), a_follow(amy, rosa)])


def test_feed_articles_gives_only_articles_by_followed_authors_newest_first(
    feed: FeedArticles, store: InMemoryStore, jake: User, amy: User, rosa: User, amy_follows_jake_and_rosa: None
) -> None:
    stranger = a_user(username="stranger")
    committed(store, stranger)
    by_jake = an_article(author=jake, created_at=NOW)
    by_rosa = an_article(author=rosa, created_at=NOW + timedelta(seconds=1))
    by_amy = an_article(author=amy, created_at=NOW + timedelta(seconds=2))
    by_stranger = an_article(author=stranger, created_at=NOW + timedelta(seconds=3))
    committed_all(store, articles=[by_jake, by_rosa, by_amy, by_stranger])

    page = feed(FeedArticlesCommand(viewer_id=amy.id))

    assert slugs(page) == [by_rosa.slug, by_jake.slug]
    assert page.count == 2
    assert all(view.author.following for view in page.articles)
    assert all(view.body is None for view in page.articles)


def test_feed_articles_of_someone_who_follows_nobody_is_empty(
    feed: FeedArticles, store: InMemoryStore, jake: User, amy: User
) -> None:
    committed_all(store, articles=[an_article(author=jake), an_article(author=amy)])

    assert feed(FeedArticlesCommand(viewer_id=amy.id)) == ArticlePage(articles=(), count=0)


def test_feed_articles_is_personal(
    feed: FeedArticles, store: InMemoryStore, jake: User, amy: User, rosa: User, amy_follows_jake_and_rosa: None
) -> None:
    committed_all(store, articles=[an_article(author=jake)])

    assert feed(FeedArticlesCommand(viewer_id=rosa.id)).count == 0
    assert feed(FeedArticlesCommand(viewer_id=amy.id)).count == 1


def test_feed_articles_pages_and_counts_every_match(
    feed: FeedArticles, store: InMemoryStore, jake: User, amy: User, amy_follows_jake_and_rosa: None
) -> None:
    articles = [an_article(author=jake, created_at=NOW + timedelta(seconds=n)) for n in range(5)]
    committed_all(store, articles=articles)

    page = feed(FeedArticlesCommand(viewer_id=amy.id, limit=2, offset=1))

    assert slugs(page) == [articles[3].slug, articles[2].slug]
    assert page.count == 5


def test_feed_articles_shows_the_viewer_their_favorites(
    feed: FeedArticles, store: InMemoryStore, jake: User, amy: User, rosa: User, amy_follows_jake_and_rosa: None
) -> None:
    article = an_article(author=jake)
    committed_all(store, articles=[article], favorites=[a_favorite(amy, article), a_favorite(rosa, article)])

    (view,) = feed(FeedArticlesCommand(viewer_id=amy.id)).articles

    assert (view.favorited, view.favorites_count, view.author) == (True, 2, JAKE_FOLLOWED)


@pytest.mark.parametrize(
    ("limit", "offset", "field"), [(0, 0, "limit"), (PAGE_SIZE_MAX + 1, 0, "limit"), (1, -1, "offset")]
)
def test_feed_articles_refuses_a_window_out_of_range(
    feed: FeedArticles, amy: User, limit: int, offset: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        feed(FeedArticlesCommand(viewer_id=amy.id, limit=limit, offset=offset))

    assert list(raised.value.errors) == [field]
