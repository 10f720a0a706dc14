"""What every UserQueries adapter answers (the operator's `conduit users list`), checked against each of them."""

import uuid
from datetime import timedelta

import pytest

from adapters.memory.queries import InMemoryUserQueries
from adapters.sqlalchemy.database import read_only
from adapters.sqlalchemy.queries import SqlUserQueries
from application.queries import UserQueries
from application.views import AccountView, SessionCheck, UserPage, UserSummaryView
from domain.ids import UserId
from domain.users import User
from tests.builders import NOW, a_user
from tests.contract.conftest import UnitOfWorkFactory


@pytest.fixture
def users(backend: str, request: pytest.FixtureRequest) -> UserQueries:
    if backend == "memory":
        return InMemoryUserQueries(request.getfixturevalue("store"))
    return SqlUserQueries(read_only(request.getfixturevalue("clean_database")))  # as the service wires it


def committed(make_uow: UnitOfWorkFactory, *accounts: User) -> None:
    with make_uow() as uow:
        for account in accounts:
            uow.users.add(account)
        uow.commit()


def summary(user: User) -> UserSummaryView:
    return UserSummaryView(
        username=user.username, email=user.email, bio=user.bio, image=user.image, created_at=user.created_at
    )


def test_no_accounts_is_an_empty_page(users: UserQueries) -> None:
    assert users.page(limit=20, offset=0) == UserPage(users=(), count=0)


def test_accounts_come_oldest_first_with_every_listed_field(users: UserQueries, make_uow: UnitOfWorkFactory) -> None:
    newest = a_user(username="newest", created_at=NOW + timedelta(hours=2), bio="Hi", image="https://example.com/i")
    oldest = a_user(username="oldest", email="Oldest@Example.com", created_at=NOW)
    middle = a_user(username="middle", created_at=NOW + timedelta(microseconds=1))
    committed(make_uow, newest, oldest, middle)

    page = users.page(limit=20, offset=0)

    assert page == UserPage(users=(summary(oldest), summary(middle), summary(newest)), count=3)


def test_limit_and_offset_cut_the_list_and_count_counts_every_account(
    users: UserQueries, make_uow: UnitOfWorkFactory
) -> None:
    accounts = [a_user(username=f"user{n}", created_at=NOW + timedelta(minutes=n)) for n in range(5)]
    committed(make_uow, *accounts)

    pages = [users.page(limit=2, offset=offset) for offset in (0, 2, 4, 6)]

    assert [[view.username for view in page.users] for page in pages] == [
        ["user0", "user1"],
        ["user2", "user3"],
        ["user4"],
        [],
    ]
    assert {page.count for page in pages} == {5}


def test_accounts_created_at_the_same_moment_are_ordered_by_id(users: UserQueries, make_uow: UnitOfWorkFactory) -> None:
    ids = sorted(UserId(uuid.uuid4()) for _ in range(3))
    twins = [a_user(user_id=user_id, username=f"twin{n}", created_at=NOW) for n, user_id in enumerate(ids)]
    committed(make_uow, *reversed(twins))

    page = users.page(limit=20, offset=0)

    assert [view.username for view in page.users] == ["twin0", "twin1", "twin2"]


# check_session: the rule of User.accepts_session, and the account, in one read


def test_check_session_accepts_the_current_password_version_and_returns_the_account(
    users: UserQueries, make_uow: UnitOfWorkFactory
) -> None:
    jake = a_user(username="jake", email="Jake@Jake.jake", bio="I work at statefarm", image=None)
    committed(make_uow, jake)

    check = users.check_session(jake.id, password_version=jake.password_version, session_id="any")

    account = AccountView(email="Jake@Jake.jake", username="jake", bio="I work at statefarm", image=None)
    assert check == SessionCheck(accepted=True, account=account)


def test_check_session_after_a_password_change_accepts_only_the_session_that_made_it(
    users: UserQueries, make_uow: UnitOfWorkFactory
) -> None:
    jake = a_user(username="jake")
    old_version = jake.password_version
    jake.change_password_hash("new-hash", now=NOW, session_id="changer")
    committed(make_uow, jake)

    other = users.check_session(jake.id, password_version=old_version, session_id="elsewhere")
    changer = users.check_session(jake.id, password_version=old_version, session_id="changer")
    fresh = users.check_session(jake.id, password_version=jake.password_version, session_id="elsewhere")

    assert (other and other.accepted, changer and changer.accepted, fresh and fresh.accepted) == (False, True, True)


def test_check_session_of_a_missing_account_is_none(users: UserQueries) -> None:
    assert users.check_session(UserId(uuid.uuid4()), password_version=0, session_id="any") is None
