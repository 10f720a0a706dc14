import pytest

from adapters.memory.queries import InMemoryArticleQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.articles import GetArticle, GetArticleCommand
from application.favorites import FavoriteArticle, FavoriteCommand, UnfavoriteArticle
from domain.articles import Article
from domain.errors import ArticleNotFound, Unauthenticated
from domain.ids import new_user_id
from domain.users import User
from tests.builders import NOW, FixedClock, a_favorite, an_article, committed_all


@pytest.fixture
def articles(store: InMemoryStore) -> InMemoryArticleQueries:
    return InMemoryArticleQueries(store)


@pytest.fixture
def favorite(uow: InMemoryUnitOfWork, articles: InMemoryArticleQueries, clock: FixedClock) -> FavoriteArticle:
    return FavoriteArticle(uow=uow, articles=articles, clock=clock)


@pytest.fixture
def unfavorite(uow: InMemoryUnitOfWork, articles: InMemoryArticleQueries) -> UnfavoriteArticle:
    return UnfavoriteArticle(uow=uow, articles=articles)


@pytest.fixture
def get(articles: InMemoryArticleQueries) -> GetArticle:
    return GetArticle(articles=articles)


@pytest.fixture
def dragon(store: InMemoryStore, jake: User) -> Article:
    article = an_article(author=jake, title="How to train your dragon", body="You have to believe")
    committed_all(store, articles=[article])
    return article


# FavoriteArticle


def test_favorite_article_answers_with_the_article_favorited_once(
    favorite: FavoriteArticle, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    view = favorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    assert (view.slug, view.favorited, view.favorites_count) == (dragon.slug, True, 1)
    assert view.body == "You have to believe"
    assert store.favorites == {(amy.id, dragon.id): NOW}
    assert uow.commits == 1


def test_favorite_article_twice_is_the_same_as_once(
    favorite: FavoriteArticle, store: InMemoryStore, clock: FixedClock, dragon: Article, amy: User
) -> None:
    favorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))
    clock.advance()

    view = favorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    assert (view.favorited, view.favorites_count) == (True, 1)
    assert store.favorites == {(amy.id, dragon.id): NOW}


def test_favorite_article_counts_every_user_and_flags_only_the_viewers_who_favorited(
    favorite: FavoriteArticle, get: GetArticle, dragon: Article, jake: User, amy: User, rosa: User
) -> None:
    favorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    view = favorite(FavoriteCommand(slug=dragon.slug, user_id=jake.id))

    assert (view.favorited, view.favorites_count) == (True, 2)
    for viewer_id, favorited in ((amy.id, True), (jake.id, True), (rosa.id, False), (None, False)):
        seen = get(GetArticleCommand(slug=dragon.slug, viewer_id=viewer_id))
        assert (seen.favorited, seen.favorites_count) == (favorited, 2)


def test_favorite_article_lets_the_author_favorite_their_own_article(
    favorite: FavoriteArticle, dragon: Article, jake: User
) -> None:
    view = favorite(FavoriteCommand(slug=dragon.slug, user_id=jake.id))

    assert (view.favorited, view.favorites_count, view.author.following) == (True, 1, False)


def test_favorite_article_raises_article_not_found_for_an_unknown_slug(
    favorite: FavoriteArticle, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(ArticleNotFound) as raised:
        favorite(FavoriteCommand(slug="no-such-article", user_id=amy.id))

    assert raised.value.errors == {"article": ["not found"]}
    assert store.favorites == {}
    assert uow.commits == 0


def test_favorite_article_raises_unauthenticated_when_the_user_account_does_not_exist(
    favorite: FavoriteArticle, store: InMemoryStore, dragon: Article, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(Unauthenticated):
        favorite(FavoriteCommand(slug=dragon.slug, user_id=new_user_id()))

    assert store.favorites == {}
    assert uow.commits == 0


# UnfavoriteArticle


def test_unfavorite_article_removes_only_the_users_favorite(
    unfavorite: UnfavoriteArticle, store: InMemoryStore, dragon: Article, amy: User, rosa: User, uow: InMemoryUnitOfWork
) -> None:
    committed_all(store, favorites=[a_favorite(amy, dragon), a_favorite(rosa, dragon)])

    view = unfavorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    assert (view.favorited, view.favorites_count) == (False, 1)
    assert set(store.favorites) == {(rosa.id, dragon.id)}
    assert uow.commits == 1


def test_unfavorite_article_not_favorited_changes_nothing(
    unfavorite: UnfavoriteArticle, store: InMemoryStore, dragon: Article, amy: User, rosa: User
) -> None:
    committed_all(store, favorites=[a_favorite(rosa, dragon)])

    view = unfavorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    assert (view.favorited, view.favorites_count) == (False, 1)
    assert set(store.favorites) == {(rosa.id, dragon.id)}


def test_unfavorite_article_twice_is_the_same_as_once(
    unfavorite: UnfavoriteArticle, store: InMemoryStore, dragon: Article, amy: User
) -> None:
    committed_all(store, favorites=[a_favorite(amy, dragon)])
    unfavorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    view = unfavorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    assert (view.favorited, view.favorites_count) == (False, 0)
    assert store.favorites == {}


def test_unfavorite_article_raises_article_not_found_for_an_unknown_slug(
    unfavorite: UnfavoriteArticle, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    committed_all(store, favorites=[a_favorite(amy, dragon)])

    with pytest.raises(ArticleNotFound):
        unfavorite(FavoriteCommand(slug="no-such-article", user_id=amy.id))

    assert set(store.favorites) == {(amy.id, dragon.id)}
    assert uow.commits == 0


def test_favorite_then_unfavorite_leaves_the_article_as_before(
    favorite: FavoriteArticle, unfavorite: UnfavoriteArticle, get: GetArticle, dragon: Article, amy: User
) -> None:
    before = get(GetArticleCommand(slug=dragon.slug, viewer_id=amy.id))
    favorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    after = unfavorite(FavoriteCommand(slug=dragon.slug, user_id=amy.id))

    assert after == before
