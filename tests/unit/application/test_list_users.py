import dataclasses
from datetime import timedelta

import pytest

from adapters.memory.queries import InMemoryUserQueries
from adapters.memory.store import InMemoryStore
from application.paging import PAGE_SIZE_MAX
from application.users import ListUsers, ListUsersCommand
from application.views import UserPage, UserSummaryView
from domain.errors import InvalidInput
from tests.builders import NOW, a_user, committed


@pytest.fixture
def list_users(store: InMemoryStore) -> ListUsers:
    return ListUsers(users=InMemoryUserQueries(store))


def test_list_users_pages_through_accounts_oldest_first(list_users: ListUsers, store: InMemoryStore) -> None:
    newest = a_user(username="newest", created_at=NOW + timedelta(days=2), bio="I arrived last")
    oldest = a_user(username="oldest", created_at=NOW)
    middle = a_user(username="middle", created_at=NOW + timedelta(days=1), email="Middle@Example.com")
    committed(store, newest, oldest, middle)

    page = list_users(ListUsersCommand(limit=2, offset=1))

    assert page == UserPage(
        users=(
            UserSummaryView(
                username="middle", email="Middle@Example.com", bio=None, image=None, created_at=middle.created_at
            ),
            UserSummaryView(
                username="newest",
                email="newest@example.com",
                bio="I arrived last",
                image=None,
                created_at=newest.created_at,
            ),
        ),
        count=3,
    )


def test_listed_users_never_carry_a_password_hash_or_a_token() -> None:
    fields = {field.name for field in dataclasses.fields(UserSummaryView)}

    assert fields == {"username", "email", "bio", "image", "created_at"}


@pytest.mark.parametrize(
    ("limit", "offset", "field"), [(0, 0, "limit"), (PAGE_SIZE_MAX + 1, 0, "limit"), (20, -1, "offset")]
)
def test_list_users_refuses_a_window_out_of_bounds(list_users: ListUsers, limit: int, offset: int, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        list_users(ListUsersCommand(limit=limit, offset=offset))

    assert field in refused.value.errors
