import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.moderation import RemoveArticle, RemoveArticleCommand
from application.views import RemovedArticleView
from domain.errors import ArticleNotFound
from tests.builders import a_comment, a_favorite, a_user, an_article, committed, committed_all


@pytest.fixture
def remove(uow: InMemoryUnitOfWork) -> RemoveArticle:
    return RemoveArticle(uow=uow)


def test_remove_article_takes_down_anybodys_article_with_its_comments_and_favorites(
    remove: RemoveArticle, uow: InMemoryUnitOfWork, store: InMemoryStore
) -> None:
    author, reader = a_user(username="author"), a_user(username="reader")
    committed(store, author, reader)
    doomed = an_article(author=author, title="Spam, spam and spam")
    kept = an_article(author=author, title="Eggs")
    committed_all(
        store,
        articles=[doomed, kept],
        comments=[a_comment(article=doomed, author=reader), a_comment(article=kept, author=reader)],
        favorites=[a_favorite(reader, doomed), a_favorite(reader, kept)],
    )

    removed = remove(RemoveArticleCommand(slug=doomed.slug))

    assert removed == RemovedArticleView(slug=doomed.slug, title="Spam, spam and spam", author="author")
    assert set(store.articles) == {kept.id}
    assert [comment.article_id for comment in store.comments.values()] == [kept.id]
    assert set(store.favorites) == {(reader.id, kept.id)}
    assert uow.commits == 1


def test_remove_article_refuses_an_unknown_slug_and_changes_nothing(
    remove: RemoveArticle, uow: InMemoryUnitOfWork, store: InMemoryStore
) -> None:
    author = a_user()
    committed(store, author)
    article = an_article(author=author)
    committed_all(store, articles=[article])

    with pytest.raises(ArticleNotFound):
        remove(RemoveArticleCommand(slug="no-such-article-000000000000"))

    assert set(store.articles) == {article.id}
    assert uow.commits == 0
