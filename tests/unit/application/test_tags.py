import pytest

from adapters.memory.queries import InMemoryArticleQueries, InMemoryTagQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.articles import DeleteArticle, DeleteArticleCommand, UpdateArticle, UpdateArticleCommand
from application.tags import ListTags
from domain.users import User
from tests.builders import FixedClock, an_article, committed_all


@pytest.fixture
def list_tags(store: InMemoryStore) -> ListTags:
    return ListTags(tags=InMemoryTagQueries(store))


def test_list_tags_of_an_empty_store_is_empty(list_tags: ListTags) -> None:
    assert list(list_tags()) == []


def test_list_tags_gives_every_tag_in_use_once_sorted(list_tags: ListTags, store: InMemoryStore, jake: User) -> None:
    committed_all(
        store,
        articles=[
            an_article(author=jake, tags=["training", "dragons"]),
            an_article(author=jake, tags=["dragons", "angular"]),
            an_article(author=jake),
        ],
    )

    assert list(list_tags()) == ["angular", "dragons", "training"]


def test_list_tags_has_no_top_n_cap(list_tags: ListTags, store: InMemoryStore, jake: User) -> None:
    names = [f"tag{n:02}" for n in range(45)]
    committed_all(store, articles=[an_article(author=jake, tags=names[i : i + 15]) for i in range(0, 45, 15)])

    assert list(list_tags()) == names


def test_list_tags_forgets_the_tags_of_a_deleted_article(list_tags: ListTags, store: InMemoryStore, jake: User) -> None:
    doomed = an_article(author=jake, tags=["dragons", "shared"])
    committed_all(store, articles=[doomed, an_article(author=jake, tags=["shared"])])

    DeleteArticle(uow=InMemoryUnitOfWork(store))(DeleteArticleCommand(slug=doomed.slug, user_id=jake.id))

    assert list(list_tags()) == ["shared"]


def test_list_tags_follows_the_tags_of_an_edited_article(list_tags: ListTags, store: InMemoryStore, jake: User) -> None:
    article = an_article(author=jake, tags=["dragons"])
    committed_all(store, articles=[article])
    update = UpdateArticle(uow=InMemoryUnitOfWork(store), articles=InMemoryArticleQueries(store), clock=FixedClock())

    update(UpdateArticleCommand(slug=article.slug, editor_id=jake.id, tags=["cats"]))

    assert list(list_tags()) == ["cats"]
