import pytest

from domain.comments import COMMENT_MAX_LENGTH, Comment
from domain.errors import InvalidInput, NotCommentAuthor
from domain.ids import new_article_id, new_user_id
from domain.validation import BLANK
from tests.builders import NOW


def test_write_makes_a_comment_without_an_id_until_it_is_stored() -> None:
    article_id, author_id = new_article_id(), new_user_id()

    comment = Comment.write(article_id=article_id, author_id=author_id, body="Thank you so much!", now=NOW)

    assert comment.id is None
    assert (comment.article_id, comment.author_id, comment.body) == (article_id, author_id, "Thank you so much!")
    assert comment.created_at == comment.updated_at == NOW


def test_write_keeps_a_body_on_several_lines() -> None:
    comment = Comment.write(article_id=new_article_id(), author_id=new_user_id(), body="one\ntwo\n", now=NOW)

    assert comment.body == "one\ntwo\n"


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t "])
def test_write_rejects_a_blank_body(blank: str | None) -> None:
    with pytest.raises(InvalidInput) as raised:
        Comment.write(article_id=new_article_id(), author_id=new_user_id(), body=blank, now=NOW)

    assert raised.value.errors == {"body": [BLANK]}


def test_write_rejects_a_body_longer_than_the_maximum() -> None:
    with pytest.raises(InvalidInput) as raised:
        Comment.write(
            article_id=new_article_id(), author_id=new_user_id(), body="b" * (COMMENT_MAX_LENGTH + 1), now=NOW
        )

    assert raised.value.errors == {"body": [f"is too long (maximum is {COMMENT_MAX_LENGTH} characters)"]}


def test_write_accepts_a_body_of_the_maximum_length() -> None:
    comment = Comment.write(
        article_id=new_article_id(), author_id=new_user_id(), body="b" * COMMENT_MAX_LENGTH, now=NOW
    )

    assert len(comment.body) == COMMENT_MAX_LENGTH


def test_ensure_author_accepts_the_comment_author() -> None:
    author_id = new_user_id()
    comment = Comment.write(article_id=new_article_id(), author_id=author_id, body="mine", now=NOW)

    comment.ensure_author(author_id)


def test_ensure_author_raises_not_comment_author_for_anyone_else() -> None:
    comment = Comment.write(article_id=new_article_id(), author_id=new_user_id(), body="mine", now=NOW)

    with pytest.raises(NotCommentAuthor) as raised:
        comment.ensure_author(new_user_id())

    assert raised.value.errors == {"comment": ["forbidden"]}
