"""The response encoders write exactly what the documented response models describe.

The encoders build JSON from views without the models (entrypoints/http/schemas.py says why); these tests hold
them to the models: every encoded body parses under its model, with the same keys at every level (nothing more,
nothing missing), and dumping the parsed model gives back the very same JSON values.
"""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from application.views import ArticlePage, ArticleView, CommentView, ProfileView, UserView
from domain.ids import CommentId
from entrypoints.http.schemas import (
    ArticleResponse,
    CommentResponse,
    JSONBytes,
    MultipleArticlesResponse,
    MultipleCommentsResponse,
    ProfileResponse,
    TagsResponse,
    UserResponse,
    article_json,
    article_page_json,
    comment_json,
    comments_json,
    format_timestamp,
    profile_json,
    tags_json,
    user_json,
)

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
optional_text = st.none() | text
# Aware datetimes in any offset: the encoders write UTC with milliseconds and `Z`, as the models do.
moments = st.builds(
    lambda naive, minutes: naive.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
profiles = st.builds(ProfileView, username=text, bio=optional_text, image=optional_text, following=st.booleans())


def article_views(*, with_body: bool) -> st.SearchStrategy[ArticleView]:
    return st.builds(
        ArticleView,
        slug=text,
        title=text,
        description=text,
        body=text if with_body else st.none(),
        tags=st.lists(text, max_size=4).map(tuple),
        created_at=moments,
        updated_at=moments,
        favorited=st.booleans(),
        favorites_count=st.integers(min_value=0, max_value=2**31),
        author=profiles,
    )


comment_views = st.builds(
    CommentView,
    id=st.integers(min_value=1, max_value=2**63 - 1).map(CommentId),
    body=text,
    created_at=moments,
    updated_at=moments,
    author=profiles,
)


def keys_of(model: type[BaseModel]) -> set[str]:
    return {field.serialization_alias or field.alias or name for name, field in model.model_fields.items()}


def assert_matches(response: JSONBytes, model: type[BaseModel]) -> dict[str, Any]:
    """Same keys as the model at every level, and the model's own dump of it is the same JSON."""
    assert response.media_type == "application/json"
    encoded = json.loads(bytes(response.body))
    parsed = model.model_validate_json(bytes(response.body))
    assert parsed.model_dump(mode="json", by_alias=True) == encoded
    _assert_same_keys(encoded, model)
    return dict(encoded)


def _assert_same_keys(value: Any, model: type[BaseModel]) -> None:
    assert set(value) == keys_of(model), model.__name__
    for name, field in model.model_fields.items():
        key = field.serialization_alias or field.alias or name
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            _assert_same_keys(value[key], annotation)
        item = getattr(annotation, "__args__", (None,))[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            for element in value[key]:
                _assert_same_keys(element, item)


def profile_of(view: ProfileView) -> dict[str, Any]:
    return {"username": view.username, "bio": view.bio, "image": view.image, "following": view.following}


def utc_millis(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@given(moment=moments | moments.map(lambda moment: moment.replace(microsecond=0)))
def test_a_timestamp_is_written_as_javascripts_to_iso_string(moment: datetime) -> None:
    assert format_timestamp(moment) == utc_millis(moment)


@given(
    page=st.builds(
        ArticlePage,
        articles=st.lists(article_views(with_body=False), max_size=3).map(tuple),
        count=st.integers(min_value=0, max_value=2**40),
    )
)
def test_a_page_of_articles_is_a_multiple_articles_response_without_bodies(page: ArticlePage) -> None:
    encoded = assert_matches(article_page_json(page), MultipleArticlesResponse)

    assert encoded["articlesCount"] == page.count
    assert [item["slug"] for item in encoded["articles"]] == [view.slug for view in page.articles]
    assert [item["author"] for item in encoded["articles"]] == [profile_of(view.author) for view in page.articles]
    assert all("body" not in item for item in encoded["articles"])
    assert [item["createdAt"] for item in encoded["articles"]] == [utc_millis(v.created_at) for v in page.articles]
    assert [item["tagList"] for item in encoded["articles"]] == [list(view.tags) for view in page.articles]


@given(view=article_views(with_body=True))
def test_an_article_is_an_article_response_with_its_body(view: ArticleView) -> None:
    encoded = assert_matches(article_json(view, status_code=201), ArticleResponse)

    assert encoded["article"]["body"] == view.body
    assert encoded["article"]["updatedAt"] == utc_millis(view.updated_at)
    assert encoded["article"]["author"] == profile_of(view.author)
    assert article_json(view, status_code=201).status_code == 201


@given(views=st.lists(comment_views, max_size=3))
def test_comments_are_a_multiple_comments_response(views: list[CommentView]) -> None:
    encoded = assert_matches(comments_json(views), MultipleCommentsResponse)

    assert [comment["id"] for comment in encoded["comments"]] == [view.id for view in views]
    assert [comment["author"] for comment in encoded["comments"]] == [profile_of(view.author) for view in views]


@given(view=comment_views)
def test_a_comment_is_a_comment_response(view: CommentView) -> None:
    encoded = assert_matches(comment_json(view), CommentResponse)

    assert encoded["comment"]["body"] == view.body


@given(view=profiles)
def test_a_profile_is_a_profile_response(view: ProfileView) -> None:
    encoded = assert_matches(profile_json(view), ProfileResponse)

    assert encoded["profile"] == profile_of(view)


@given(view=st.builds(UserView, email=text, token=text, username=text, bio=optional_text, image=optional_text))
def test_a_user_is_a_user_response(view: UserView) -> None:
    encoded = assert_matches(user_json(view), UserResponse)

    assert encoded["user"]["token"] == view.token


@given(tags=st.lists(text, max_size=5).map(tuple))
def test_tags_are_a_tags_response(tags: tuple[str, ...]) -> None:
    assert assert_matches(tags_json(tags), TagsResponse) == {"tags": list(tags)}


def test_the_tags_body_is_encoded_once_per_tuple_and_never_served_for_another() -> None:
    first, same_content = ("a", "b"), tuple(["a", "b"])
    bodies = [bytes(tags_json(tags).body) for tags in (first, first, ("c",), same_content, ())]

    assert bodies == [
        b'{"tags":["a","b"]}',
        b'{"tags":["a","b"]}',
        b'{"tags":["c"]}',
        b'{"tags":["a","b"]}',
        b'{"tags":[]}',
    ]
