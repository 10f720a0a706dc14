import dataclasses
from datetime import timedelta

import pytest

from adapters.memory.queries import InMemoryCommentQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.comments import (
    AddComment,
    AddCommentCommand,
    DeleteComment,
    DeleteCommentCommand,
    ListComments,
    ListCommentsCommand,
)
from application.views import CommentView, ProfileView
from domain.articles import Article
from domain.comments import Comment
from domain.errors import ArticleNotFound, CommentNotFound, InvalidInput, NotCommentAuthor, Unauthenticated
from domain.ids import CommentId, new_user_id
from domain.users import User
from domain.validation import BLANK
from tests.builders import NOW, FixedClock, a_comment, a_follow, an_article, committed_all

AMY = ProfileView(username="amy", bio=None, image=None, following=False)


@pytest.fixture
def add(uow: InMemoryUnitOfWork, clock: FixedClock) -> AddComment:
    return AddComment(uow=uow, clock=clock)


@pytest.fixture
def list_comments(store: InMemoryStore) -> ListComments:
    return ListComments(comments=InMemoryCommentQueries(store))


@pytest.fixture
def delete(uow: InMemoryUnitOfWork) -> DeleteComment:
    return DeleteComment(uow=uow)


@pytest.fixture
def dragon(store: InMemoryStore, jake: User) -> Article:
    article = an_article(author=jake, title="How to train your dragon")
    committed_all(store, articles=[article])
    return article


@pytest.fixture
def other_article(store: InMemoryStore, jake: User) -> Article:
    article = an_article(author=jake, title="Another one")
    committed_all(store, articles=[article])
    return article


def stored_comment(store: InMemoryStore, article: Article, author: User, body: str, minutes: int = 0) -> Comment:
    comment = a_comment(article=article, author=author, body=body, created_at=NOW + timedelta(minutes=minutes))
    committed_all(store, comments=[comment])
    return comment


def comment_id(comment: Comment) -> CommentId:
    assert comment.id is not None
    return comment.id


def snapshot(store: InMemoryStore) -> dict[object, dict[str, object]]:
    return {key: dataclasses.asdict(comment) for key, comment in store.comments.items()}


# AddComment


def test_add_comment_returns_the_comment_with_its_new_integer_id(
    add: AddComment, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    view = add(AddCommentCommand(slug=dragon.slug, author_id=amy.id, body="Thank you so much!"))

    assert view == CommentView(id=view.id, body="Thank you so much!", created_at=NOW, updated_at=NOW, author=AMY)
    assert isinstance(view.id, int)
    assert uow.commits == 1


def test_add_comment_stores_it_on_the_article(
    add: AddComment, store: InMemoryStore, dragon: Article, amy: User
) -> None:
    view = add(AddCommentCommand(slug=dragon.slug, author_id=amy.id, body="Thank you so much!"))

    stored = store.comments[view.id]
    assert (stored.article_id, stored.author_id, stored.body) == (dragon.id, amy.id, "Thank you so much!")


def test_add_comment_gives_each_comment_a_new_id(
    add: AddComment, dragon: Article, other_article: Article, amy: User
) -> None:
    ids = [
        add(AddCommentCommand(slug=slug, author_id=amy.id, body="again")).id
        for slug in (dragon.slug, dragon.slug, other_article.slug)
    ]

    assert len(set(ids)) == 3


def test_add_comment_shows_the_author_as_not_followed_by_themselves(
    add: AddComment, store: InMemoryStore, dragon: Article, jake: User, amy: User
) -> None:
    committed_all(store, follows=[a_follow(jake, amy)])

    view = add(AddCommentCommand(slug=dragon.slug, author_id=amy.id, body="hi"))

    assert view.author == AMY


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_add_comment_refuses_a_blank_body_and_stores_nothing(
    add: AddComment, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork, blank: str | None
) -> None:
    with pytest.raises(InvalidInput) as raised:
        add(AddCommentCommand(slug=dragon.slug, author_id=amy.id, body=blank))

    assert raised.value.errors == {"body": [BLANK]}
    assert store.comments == {}
    assert uow.commits == 0


def test_add_comment_raises_article_not_found_for_an_unknown_slug(
    add: AddComment, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(ArticleNotFound) as raised:
        add(AddCommentCommand(slug="no-such-article", author_id=amy.id, body="hi"))

    assert raised.value.errors == {"article": ["not found"]}
    assert store.comments == {}
    assert uow.commits == 0


def test_add_comment_raises_unauthenticated_when_the_author_account_does_not_exist(
    add: AddComment, store: InMemoryStore, dragon: Article, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(Unauthenticated):
        add(AddCommentCommand(slug=dragon.slug, author_id=new_user_id(), body="hi"))

    assert store.comments == {}
    assert uow.commits == 0


# ListComments


def test_list_comments_gives_the_article_comments_newest_first(
    list_comments: ListComments, store: InMemoryStore, dragon: Article, other_article: Article, jake: User, amy: User
) -> None:
    first = stored_comment(store, dragon, amy, "first", minutes=0)
    second = stored_comment(store, dragon, jake, "second", minutes=1)
    stored_comment(store, other_article, amy, "elsewhere", minutes=2)

    views = list_comments(ListCommentsCommand(slug=dragon.slug))

    assert [(view.id, view.body, view.author.username) for view in views] == [
        (second.id, "second", "jake"),
        (first.id, "first", "amy"),
    ]
    assert [view.created_at for view in views] == [NOW + timedelta(minutes=1), NOW]


def test_list_comments_breaks_timestamp_ties_by_id_descending(
    list_comments: ListComments, store: InMemoryStore, dragon: Article, amy: User
) -> None:
    comments = [stored_comment(store, dragon, amy, f"comment {n}") for n in range(3)]

    views = list_comments(ListCommentsCommand(slug=dragon.slug))

    assert [view.id for view in views] == [comment.id for comment in reversed(comments)]


def test_list_comments_shows_following_to_the_viewer_concerned(
    list_comments: ListComments, store: InMemoryStore, dragon: Article, jake: User, amy: User
) -> None:
    stored_comment(store, dragon, amy, "hi")
    committed_all(store, follows=[a_follow(jake, amy)])

    (for_jake,) = list_comments(ListCommentsCommand(slug=dragon.slug, viewer_id=jake.id))
    (anonymous,) = list_comments(ListCommentsCommand(slug=dragon.slug))
    (for_amy,) = list_comments(ListCommentsCommand(slug=dragon.slug, viewer_id=amy.id))

    assert (for_jake.author.following, anonymous.author.following, for_amy.author.following) == (True, False, False)


def test_list_comments_of_an_article_without_comments_is_empty(list_comments: ListComments, dragon: Article) -> None:
    assert list_comments(ListCommentsCommand(slug=dragon.slug)) == []


def test_list_comments_raises_article_not_found_for_an_unknown_slug(
    list_comments: ListComments, dragon: Article
) -> None:
    with pytest.raises(ArticleNotFound) as raised:
        list_comments(ListCommentsCommand(slug="no-such-article"))

    assert raised.value.errors == {"article": ["not found"]}


# DeleteComment


def test_delete_comment_removes_only_that_comment(
    delete: DeleteComment, store: InMemoryStore, dragon: Article, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    doomed = stored_comment(store, dragon, amy, "oops")
    kept = stored_comment(store, dragon, amy, "keep me")

    delete(DeleteCommentCommand(slug=dragon.slug, comment_id=comment_id(doomed), user_id=amy.id))

    assert set(store.comments) == {kept.id}
    assert uow.commits == 1


def test_delete_comment_by_someone_else_raises_not_comment_author_even_for_the_article_author(
    delete: DeleteComment, store: InMemoryStore, dragon: Article, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    comment = stored_comment(store, dragon, amy, "mine")
    before = snapshot(store)

    with pytest.raises(NotCommentAuthor) as raised:
        delete(DeleteCommentCommand(slug=dragon.slug, comment_id=comment_id(comment), user_id=jake.id))

    assert raised.value.errors == {"comment": ["forbidden"]}
    assert snapshot(store) == before
    assert uow.commits == 0


def test_delete_comment_raises_comment_not_found_for_an_unknown_id(
    delete: DeleteComment, store: InMemoryStore, dragon: Article, amy: User, uow: InMemoryUnitOfWork
) -> None:
    comment = stored_comment(store, dragon, amy, "mine")

    with pytest.raises(CommentNotFound) as raised:
        delete(DeleteCommentCommand(slug=dragon.slug, comment_id=CommentId(comment_id(comment) + 1), user_id=amy.id))

    assert raised.value.errors == {"comment": ["not found"]}
    assert set(store.comments) == {comment.id}
    assert uow.commits == 0


def test_delete_comment_raises_comment_not_found_for_a_comment_on_another_article(
    delete: DeleteComment, store: InMemoryStore, dragon: Article, other_article: Article, amy: User
) -> None:
    comment = stored_comment(store, other_article, amy, "elsewhere")

    with pytest.raises(CommentNotFound):
        delete(DeleteCommentCommand(slug=dragon.slug, comment_id=comment_id(comment), user_id=amy.id))

    assert set(store.comments) == {comment.id}


def test_delete_comment_raises_article_not_found_for_an_unknown_slug(
    delete: DeleteComment, store: InMemoryStore, dragon: Article, amy: User
) -> None:
    comment = stored_comment(store, dragon, amy, "mine")

    with pytest.raises(ArticleNotFound):
        delete(DeleteCommentCommand(slug="no-such-article", comment_id=comment_id(comment), user_id=amy.id))

    assert set(store.comments) == {comment.id}


def test_delete_comment_twice_raises_comment_not_found_the_second_time(
    delete: DeleteComment, store: InMemoryStore, dragon: Article, amy: User
) -> None:
    comment = stored_comment(store, dragon, amy, "mine")
    delete(DeleteCommentCommand(slug=dragon.slug, comment_id=comment_id(comment), user_id=amy.id))

    with pytest.raises(CommentNotFound):
        delete(DeleteCommentCommand(slug=dragon.slug, comment_id=comment_id(comment), user_id=amy.id))
