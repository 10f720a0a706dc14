"""What every UnitOfWork / repository / ProfileQueries adapter promises, checked against each of them.

The fixtures (conftest.py) give a factory of fresh units of work over one storage; "a new unit of work" below
always means another transaction, so only committed state can be seen through it.
"""

import dataclasses
from datetime import timedelta

import pytest

from application.queries import ProfileQueries
from application.views import ProfileView
from domain.errors import EmailTaken, ProfileNotFound, Unauthenticated, UsernameTaken
from domain.follows import Follow
from domain.ids import UserId, new_user_id
from domain.users import User
from tests.builders import NOW, a_user
from tests.contract.conftest import UnitOfWorkFactory

LATER = NOW + timedelta(hours=1)


def state_of(user: User | None) -> tuple[object, ...] | None:
    """Every field, so two users compare by content (User.__eq__ compares ids only)."""
    return None if user is None else tuple(getattr(user, f.name) for f in dataclasses.fields(User))


def committed(make_uow: UnitOfWorkFactory, *users: User) -> None:
    with make_uow() as uow:
        for user in users:
            uow.users.add(user)
        uow.commit()


def a_follow(follower: User | UserId, followee: User | UserId) -> Follow:
    follower_id = follower.id if isinstance(follower, User) else follower
    followee_id = followee.id if isinstance(followee, User) else followee
    return Follow(follower_id=follower_id, followee_id=followee_id, created_at=NOW)


def follows_committed(make_uow: UnitOfWorkFactory, follower: User, followee: User) -> bool:
    with make_uow() as uow:
        return uow.follows.exists(follower.id, followee.id)


# --- users: add, find, get -------------------------------------------------------------------------------------


def test_committed_user_is_found_by_id_username_and_email_in_a_new_unit_of_work(make_uow: UnitOfWorkFactory) -> None:
    user = a_user(username="alice", bio="I write.", image="https://example.com/alice.png")

    committed(make_uow, user)

    with make_uow() as uow:
        found = (
            state_of(uow.users.find_by_id(user.id)),
            state_of(uow.users.find_by_username("alice")),
            state_of(uow.users.find_by_email("alice@example.com")),
        )

    assert found == (state_of(user),) * 3


def test_find_by_email_ignores_case(make_uow: UnitOfWorkFactory) -> None:
    committed(make_uow, a_user(username="alice", email="Alice.Smith@Example.COM"))

    with make_uow() as uow:
        found = uow.users.find_by_email("alice.smith@EXAMPLE.com")
        email = found.email if found else None

    assert email == "Alice.Smith@Example.COM"


def test_find_by_username_is_case_sensitive(make_uow: UnitOfWorkFactory) -> None:
    committed(make_uow, a_user(username="alice"))

    with make_uow() as uow:
        found = uow.users.find_by_username("Alice")

    assert found is None


def test_finders_return_none_for_an_unknown_user(make_uow: UnitOfWorkFactory) -> None:
    committed(make_uow, a_user(username="alice"))

    with make_uow() as uow:
        results = (
            uow.users.find_by_id(new_user_id()),
            uow.users.find_by_username("bob"),
            uow.users.find_by_email("bob@example.com"),
        )

    assert results == (None, None, None)


def test_get_by_username_returns_the_committed_user(make_uow: UnitOfWorkFactory) -> None:
    user = a_user(username="alice")
    committed(make_uow, user)

    with make_uow() as uow:
        found = state_of(uow.users.get_by_username("alice"))

    assert found == state_of(user)


def test_get_by_username_raises_profile_not_found_when_no_user_has_it(make_uow: UnitOfWorkFactory) -> None:
    committed(make_uow, a_user(username="alice"))

    with make_uow() as uow, pytest.raises(ProfileNotFound):
        uow.users.get_by_username("nobody")


def test_added_user_is_found_in_the_same_unit_of_work_before_commit(make_uow: UnitOfWorkFactory) -> None:
    user = a_user(username="alice")

    with make_uow() as uow:
        uow.users.add(user)
        found = uow.users.find_by_username("alice")

    assert found is user


# --- transactions: commit, rollback, isolation -----------------------------------------------------------------


def test_uncommitted_user_is_not_visible_in_another_unit_of_work(make_uow: UnitOfWorkFactory) -> None:
    user = a_user(username="alice")

    with make_uow() as writer:
        writer.users.add(user)
        assert writer.users.find_by_username("alice") is user  # with SQL this also flushes the INSERT
        with make_uow() as reader:
            seen = (
                reader.users.find_by_id(user.id),
                reader.users.find_by_username("alice"),
                reader.users.find_by_email("alice@example.com"),
            )

    assert seen == (None, None, None)


def test_leaving_the_block_without_commit_discards_an_added_user(make_uow: UnitOfWorkFactory) -> None:
    user = a_user(username="alice")

    with make_uow() as uow:
        uow.users.add(user)

    with make_uow() as uow:
        assert uow.users.find_by_id(user.id) is None


def test_leaving_the_block_with_an_exception_discards_an_added_user(make_uow: UnitOfWorkFactory) -> None:
    user = a_user(username="alice")

    with pytest.raises(RuntimeError, match="boom"), make_uow() as uow:
        uow.users.add(user)
        raise RuntimeError("boom")

    with make_uow() as uow:
        assert uow.users.find_by_id(user.id) is None


def test_edit_to_a_loaded_user_is_saved_by_commit(make_uow: UnitOfWorkFactory) -> None:
    committed(make_uow, a_user(username="alice"))

    with make_uow() as uow:
        user = uow.users.get_by_username("alice")
        user.update_profile(now=LATER, email="alice@new.example.com", bio="New bio")
        uow.commit()

    with make_uow() as uow:
        saved = uow.users.get_by_username("alice")
        assert (saved.email, saved.bio, saved.updated_at) == ("alice@new.example.com", "New bio", LATER)
        assert saved.created_at == NOW


def test_edit_to_a_loaded_user_is_discarded_without_commit(make_uow: UnitOfWorkFactory) -> None:
    original = a_user(username="alice", bio="Old bio")
    committed(make_uow, original)

    with make_uow() as uow:
        user = uow.users.get_by_username("alice")
        user.update_profile(now=LATER, bio="New bio")

    with make_uow() as uow:
        assert state_of(uow.users.get_by_username("alice")) == state_of(original)


def test_edit_made_after_a_commit_is_saved_by_the_next_commit_of_the_same_unit_of_work(
    make_uow: UnitOfWorkFactory,
) -> None:
    user = a_user(username="alice")

    with make_uow() as uow:
        uow.users.add(user)
        uow.commit()
        user.update_profile(now=LATER, bio="Second commit")
        uow.commit()

    with make_uow() as uow:
        assert uow.users.get_by_username("alice").bio == "Second commit"


def test_commit_keeps_a_change_committed_meanwhile_to_a_user_it_only_read(make_uow: UnitOfWorkFactory) -> None:
    jake, amy = a_user(username="jake", bio="before"), a_user(username="amy")
    committed(make_uow, jake, amy)

    with make_uow() as following:
        # As FollowUser does: read the followee, add the follow, commit.
        followee = following.users.get_by_username("jake")
        following.follows.add(a_follow(amy, followee))
        with make_uow() as updating:
            updating.users.get_by_username("jake").update_profile(now=LATER, bio="after")
            updating.commit()
        following.commit()

    with make_uow() as uow:
        assert uow.users.get_by_username("jake").bio == "after"
        assert uow.follows.exists(amy.id, jake.id)


# --- uniqueness, checked at commit -----------------------------------------------------------------------------


def test_commit_raises_username_taken_when_the_username_exists(make_uow: UnitOfWorkFactory) -> None:
    original = a_user(username="alice")
    committed(make_uow, original)
    intruder = a_user(username="alice", email="someone.else@example.com")

    with make_uow() as uow:
        uow.users.add(intruder)
        with pytest.raises(UsernameTaken):
            uow.commit()

    with make_uow() as uow:
        assert state_of(uow.users.find_by_username("alice")) == state_of(original)
        assert uow.users.find_by_id(intruder.id) is None
        assert uow.users.find_by_email("someone.else@example.com") is None


def test_commit_raises_email_taken_when_the_email_exists_in_another_case(make_uow: UnitOfWorkFactory) -> None:
    original = a_user(username="alice", email="alice@example.com")
    committed(make_uow, original)
    intruder = a_user(username="bob", email="ALICE@Example.com")

    with make_uow() as uow:
        uow.users.add(intruder)
        with pytest.raises(EmailTaken):
            uow.commit()

    with make_uow() as uow:
        assert state_of(uow.users.find_by_email("alice@example.com")) == state_of(original)
        assert uow.users.find_by_id(intruder.id) is None
        assert uow.users.find_by_username("bob") is None


def test_commit_raises_username_taken_when_a_loaded_user_is_renamed_to_a_taken_username(
    make_uow: UnitOfWorkFactory,
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)

    with make_uow() as uow:
        renamed = uow.users.get_by_username("bob")
        renamed.update_profile(now=LATER, username="alice")
        with pytest.raises(UsernameTaken):
            uow.commit()

    with make_uow() as uow:
        assert state_of(uow.users.find_by_id(bob.id)) == state_of(bob)
        assert state_of(uow.users.find_by_id(alice.id)) == state_of(alice)


def test_failed_commit_discards_the_pending_changes_of_the_unit_of_work(make_uow: UnitOfWorkFactory) -> None:
    original = a_user(username="alice")
    committed(make_uow, original)

    with make_uow() as uow:
        uow.users.add(a_user(username="alice", email="someone.else@example.com"))
        with pytest.raises(UsernameTaken):
            uow.commit()

        assert state_of(uow.users.find_by_username("alice")) == state_of(original)
        uow.commit()  # nothing is left to write


# --- follows ---------------------------------------------------------------------------------------------------


def test_committed_follow_exists_in_a_new_unit_of_work(make_uow: UnitOfWorkFactory) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)

    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.commit()

    assert follows_committed(make_uow, alice, bob)
    assert not follows_committed(make_uow, bob, alice)


def test_follow_is_discarded_without_commit(make_uow: UnitOfWorkFactory) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)

    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        assert uow.follows.exists(alice.id, bob.id)

    assert not follows_committed(make_uow, alice, bob)


def test_adding_a_follow_twice_keeps_it(make_uow: UnitOfWorkFactory) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)

    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.follows.add(a_follow(alice, bob))
        uow.commit()
    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.commit()

    assert follows_committed(make_uow, alice, bob)


def test_removing_a_follow_twice_removes_it(make_uow: UnitOfWorkFactory) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)
    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.commit()

    with make_uow() as uow:
        uow.follows.remove(alice.id, bob.id)
        uow.follows.remove(alice.id, bob.id)
        assert not uow.follows.exists(alice.id, bob.id)
        uow.commit()
    with make_uow() as uow:
        uow.follows.remove(alice.id, bob.id)
        uow.commit()

    assert not follows_committed(make_uow, alice, bob)


def test_removing_a_follow_that_does_not_exist_changes_nothing(make_uow: UnitOfWorkFactory) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)

    with make_uow() as uow:
        uow.follows.remove(alice.id, bob.id)
        uow.follows.remove(new_user_id(), new_user_id())
        uow.commit()

    assert not follows_committed(make_uow, alice, bob)


def test_removal_without_commit_keeps_the_follow(make_uow: UnitOfWorkFactory) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)
    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.commit()

    with make_uow() as uow:
        uow.follows.remove(alice.id, bob.id)

    assert follows_committed(make_uow, alice, bob)


def test_follow_of_a_user_added_in_the_same_unit_of_work_is_committed_with_it(make_uow: UnitOfWorkFactory) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, bob)

    with make_uow() as uow:
        uow.users.add(alice)
        uow.follows.add(a_follow(alice, bob))
        uow.commit()

    assert follows_committed(make_uow, alice, bob)


def test_follow_by_a_follower_that_does_not_exist_raises_unauthenticated_by_commit(
    make_uow: UnitOfWorkFactory,
) -> None:
    bob = a_user(username="bob")
    committed(make_uow, bob)
    deleted_account = new_user_id()

    # Postgres reports the foreign key at the INSERT, which `add` sends at once; the fake checks at commit.
    with make_uow() as uow, pytest.raises(Unauthenticated):
        uow.follows.add(a_follow(deleted_account, bob))
        uow.commit()

    with make_uow() as uow:
        assert not uow.follows.exists(deleted_account, bob.id)


# --- profile queries -------------------------------------------------------------------------------------------


def test_profile_shows_following_true_when_the_viewer_follows_the_user(
    make_uow: UnitOfWorkFactory, profile_queries: ProfileQueries
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob", bio="Bob's bio", image="https://example.com/bob.png")
    committed(make_uow, alice, bob)
    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.commit()

    profile = profile_queries.find("bob", viewer_id=alice.id)

    assert profile == ProfileView(username="bob", bio="Bob's bio", image="https://example.com/bob.png", following=True)


def test_profile_shows_following_false_when_only_the_user_follows_the_viewer(
    make_uow: UnitOfWorkFactory, profile_queries: ProfileQueries
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)
    with make_uow() as uow:
        uow.follows.add(a_follow(bob, alice))
        uow.commit()

    profile = profile_queries.find("bob", viewer_id=alice.id)

    assert profile == ProfileView(username="bob", bio=None, image=None, following=False)


def test_profile_shows_following_false_when_there_is_no_viewer(
    make_uow: UnitOfWorkFactory, profile_queries: ProfileQueries
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)
    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.commit()

    profile = profile_queries.find("bob", viewer_id=None)

    assert profile == ProfileView(username="bob", bio=None, image=None, following=False)


def test_profile_shows_following_false_after_an_unfollow(
    make_uow: UnitOfWorkFactory, profile_queries: ProfileQueries
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)
    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        uow.commit()
    with make_uow() as uow:
        uow.follows.remove(alice.id, bob.id)
        uow.commit()

    profile = profile_queries.find("bob", viewer_id=alice.id)

    assert profile is not None
    assert profile.following is False


def test_profile_does_not_show_an_uncommitted_follow(
    make_uow: UnitOfWorkFactory, profile_queries: ProfileQueries
) -> None:
    alice, bob = a_user(username="alice"), a_user(username="bob")
    committed(make_uow, alice, bob)

    with make_uow() as uow:
        uow.follows.add(a_follow(alice, bob))
        profile = profile_queries.find("bob", viewer_id=alice.id)

    assert profile is not None
    assert profile.following is False


def test_profile_is_none_for_an_unknown_username(make_uow: UnitOfWorkFactory, profile_queries: ProfileQueries) -> None:
    alice = a_user(username="alice")
    committed(make_uow, alice)

    assert profile_queries.find("nobody", viewer_id=alice.id) is None
    assert profile_queries.find("nobody", viewer_id=None) is None


def test_profile_is_none_for_an_uncommitted_user(make_uow: UnitOfWorkFactory, profile_queries: ProfileQueries) -> None:
    with make_uow() as uow:
        uow.users.add(a_user(username="alice"))
        uow.users.find_by_username("alice")  # with SQL this flushes the INSERT
        profile = profile_queries.find("alice", viewer_id=None)

    assert profile is None
