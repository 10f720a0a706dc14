"""The in-memory unit of work stands in for the database in every other unit test: it must be transactional too."""

import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from domain.errors import EmailTaken, ProfileNotFound, Unauthenticated, UsernameTaken
from domain.follows import Follow
from domain.ids import new_user_id
from domain.users import User
from tests.builders import NOW, a_user, committed


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def stored_usernames(store: InMemoryStore) -> set[str]:
    return {user.username for user in store.users.values()}


def test_commit_publishes_an_added_user(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    jake = a_user(username="jake")

    with uow:
        uow.users.add(jake)
        uow.commit()

    assert store.users == {jake.id: jake}
    assert store.users[jake.id].email == jake.email
    assert uow.commits == 1


def test_leaving_the_block_without_commit_forgets_an_added_user(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)

    with uow:
        uow.users.add(a_user(username="jake"))

    assert store.users == {}
    assert uow.commits == 0
    with InMemoryUnitOfWork(store) as other:
        assert other.users.find_by_username("jake") is None


def test_rollback_forgets_an_in_place_edit_of_a_loaded_user(store: InMemoryStore) -> None:
    jake = a_user(username="jake", bio="before")
    committed(store, jake)
    uow = InMemoryUnitOfWork(store)

    with uow:
        loaded = uow.users.find_by_id(jake.id)
        assert loaded is not None
        loaded.update_profile(now=NOW, username="amy", bio="after")
        uow.rollback()
        reloaded = uow.users.find_by_id(jake.id)

    assert reloaded is not None
    assert (reloaded.username, reloaded.bio) == ("jake", "before")
    assert (store.users[jake.id].username, store.users[jake.id].bio) == ("jake", "before")


def test_an_exception_in_the_block_rolls_back(store: InMemoryStore) -> None:
    jake = a_user(username="jake", bio="before")
    committed(store, jake)
    uow = InMemoryUnitOfWork(store)

    with pytest.raises(RuntimeError), uow:
        loaded = uow.users.find_by_id(jake.id)
        assert loaded is not None
        loaded.update_profile(now=NOW, bio="after")
        raise RuntimeError

    assert store.users[jake.id].bio == "before"
    assert uow.commits == 0


def test_commit_publishes_an_in_place_edit_of_a_loaded_user(store: InMemoryStore) -> None:
    jake = a_user(username="jake")
    committed(store, jake)
    uow = InMemoryUnitOfWork(store)

    with uow:
        loaded = uow.users.find_by_username("jake")
        assert loaded is not None
        loaded.update_profile(now=NOW, username="amy")
        uow.commit()

    assert stored_usernames(store) == {"amy"}


def test_edits_after_commit_do_not_leak_into_the_store(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    jake = a_user(username="jake")

    with uow:
        uow.users.add(jake)
        uow.commit()
    jake.update_profile(now=NOW, username="amy")

    assert stored_usernames(store) == {"jake"}


def test_changes_are_invisible_to_another_unit_of_work_until_commit(store: InMemoryStore) -> None:
    jake = a_user(username="jake", bio="before")
    committed(store, jake)
    writer, reader = InMemoryUnitOfWork(store), InMemoryUnitOfWork(store)

    with writer:
        loaded = writer.users.find_by_id(jake.id)
        assert loaded is not None
        loaded.update_profile(now=NOW, bio="after")
        writer.users.add(a_user(username="amy"))
        with reader:
            seen_before = reader.users.find_by_id(jake.id)
            amy_before = reader.users.find_by_username("amy")
        writer.commit()
    with reader:
        seen_after = reader.users.find_by_id(jake.id)
        amy_after = reader.users.find_by_username("amy")

    assert seen_before is not None
    assert seen_before.bio == "before"
    assert amy_before is None
    assert seen_after is not None
    assert seen_after.bio == "after"
    assert amy_after is not None


def test_repository_hands_out_copies_not_the_stored_user(store: InMemoryStore) -> None:
    jake = a_user(username="jake")
    committed(store, jake)

    with InMemoryUnitOfWork(store) as uow:
        loaded = uow.users.find_by_id(jake.id)

    assert loaded is not None
    assert loaded is not store.users[jake.id]


def test_repository_returns_the_same_instance_within_one_unit_of_work(store: InMemoryStore) -> None:
    jake = a_user(username="jake", email="jake@jake.jake")
    committed(store, jake)

    with InMemoryUnitOfWork(store) as uow:
        by_id = uow.users.find_by_id(jake.id)
        by_username = uow.users.find_by_username("jake")
        by_email = uow.users.find_by_email("jake@jake.jake")

    assert by_id is by_username is by_email


def test_find_by_email_ignores_case(store: InMemoryStore) -> None:
    jake = a_user(email="Jake@Jake.JAKE")
    committed(store, jake)

    with InMemoryUnitOfWork(store) as uow:
        found = uow.users.find_by_email("jake@jake.jake")

    assert found == jake


def test_find_by_username_is_case_sensitive(store: InMemoryStore) -> None:
    committed(store, a_user(username="jake"))

    with InMemoryUnitOfWork(store) as uow:
        found = uow.users.find_by_username("Jake")

    assert found is None


def test_get_by_username_raises_profile_not_found_for_an_unknown_username(store: InMemoryStore) -> None:
    with InMemoryUnitOfWork(store) as uow, pytest.raises(ProfileNotFound):
        uow.users.get_by_username("nobody")


def test_commit_refuses_a_second_user_with_the_same_username(store: InMemoryStore) -> None:
    first, second = InMemoryUnitOfWork(store), InMemoryUnitOfWork(store)
    jake = a_user(username="jake")

    with first, second:
        first.users.add(jake)
        second.users.add(a_user(username="jake"))
        first.commit()
        with pytest.raises(UsernameTaken):
            second.commit()

    assert store.users == {jake.id: jake}
    assert (first.commits, second.commits) == (1, 0)


def test_commit_refuses_a_second_user_with_the_same_email_in_another_case(store: InMemoryStore) -> None:
    jake = a_user(username="jake", email="jake@jake.jake")
    committed(store, jake)
    uow = InMemoryUnitOfWork(store)

    with uow:
        uow.users.add(a_user(username="amy", email="JAKE@jake.jake"))
        with pytest.raises(EmailTaken):
            uow.commit()

    assert store.users == {jake.id: jake}
    assert uow.commits == 0


def test_commit_refuses_renaming_a_user_to_a_taken_username(store: InMemoryStore) -> None:
    jake, amy = a_user(username="jake"), a_user(username="amy")
    committed(store, jake, amy)
    uow = InMemoryUnitOfWork(store)

    with uow:
        loaded = uow.users.find_by_id(amy.id)
        assert loaded is not None
        loaded.update_profile(now=NOW, username="jake")
        with pytest.raises(UsernameTaken):
            uow.commit()

    assert stored_usernames(store) == {"jake", "amy"}


def test_a_failed_commit_writes_nothing_at_all(store: InMemoryStore) -> None:
    jake, amy = a_user(username="jake"), a_user(username="amy", bio="before")
    committed(store, jake)
    committed(store, amy)
    uow = InMemoryUnitOfWork(store)

    with uow:
        loaded = uow.users.find_by_id(amy.id)
        assert loaded is not None
        loaded.update_profile(now=NOW, bio="after")
        uow.follows.add(Follow(follower_id=amy.id, followee_id=jake.id, created_at=NOW))
        uow.users.add(a_user(username="jake"))
        with pytest.raises(UsernameTaken):
            uow.commit()

    assert store.users[amy.id].bio == "before"
    assert store.follows == {}
    assert len(store.users) == 2


def test_commit_keeps_a_change_committed_meanwhile_to_a_user_it_only_read(store: InMemoryStore) -> None:
    jake, amy = a_user(username="jake", bio="before"), a_user(username="amy")
    committed(store, jake, amy)
    following, updating = InMemoryUnitOfWork(store), InMemoryUnitOfWork(store)

    with following:
        # As FollowUser does: load the followee (read only), add the follow, commit.
        followee = following.users.get_by_username("jake")
        following.follows.add(Follow(follower_id=amy.id, followee_id=followee.id, created_at=NOW))
        with updating:
            loaded = updating.users.find_by_id(jake.id)
            assert loaded is not None
            loaded.update_profile(now=NOW, bio="after")
            updating.commit()
        following.commit()

    assert store.users[jake.id].bio == "after"
    assert store.follows == {(amy.id, jake.id): NOW}


def test_unit_of_work_can_be_reused_for_another_transaction(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)

    with uow:
        uow.users.add(a_user(username="jake"))
        uow.commit()
    with uow:
        uow.users.add(a_user(username="amy"))

    assert stored_usernames(store) == {"jake"}
    assert uow.commits == 1


def committed_pair(store: InMemoryStore) -> tuple[User, User]:
    jake, amy = a_user(username="jake"), a_user(username="amy")
    committed(store, jake, amy)
    return jake, amy


def test_commit_publishes_a_follow(store: InMemoryStore) -> None:
    jake, amy = committed_pair(store)

    with InMemoryUnitOfWork(store) as uow:
        uow.follows.add(Follow(follower_id=jake.id, followee_id=amy.id, created_at=NOW))
        assert uow.follows.exists(jake.id, amy.id)
        assert store.follows == {}
        uow.commit()

    assert store.follows == {(jake.id, amy.id): NOW}


def test_adding_an_existing_follow_keeps_its_date(store: InMemoryStore) -> None:
    jake, amy = committed_pair(store)
    store.follows[(jake.id, amy.id)] = NOW

    with InMemoryUnitOfWork(store) as uow:
        uow.follows.add(Follow(follower_id=jake.id, followee_id=amy.id, created_at=NOW.replace(year=2030)))
        uow.commit()

    assert store.follows == {(jake.id, amy.id): NOW}


def test_commit_removes_a_follow_and_removing_twice_is_harmless(store: InMemoryStore) -> None:
    jake, amy = committed_pair(store)
    store.follows[(jake.id, amy.id)] = NOW

    with InMemoryUnitOfWork(store) as uow:
        uow.follows.remove(jake.id, amy.id)
        uow.follows.remove(jake.id, amy.id)
        assert not uow.follows.exists(jake.id, amy.id)
        assert (jake.id, amy.id) in store.follows
        uow.commit()

    assert store.follows == {}


def test_follow_removed_then_added_again_in_one_unit_of_work_stays(store: InMemoryStore) -> None:
    jake, amy = committed_pair(store)
    store.follows[(jake.id, amy.id)] = NOW

    with InMemoryUnitOfWork(store) as uow:
        uow.follows.remove(jake.id, amy.id)
        uow.follows.add(Follow(follower_id=jake.id, followee_id=amy.id, created_at=NOW))
        uow.commit()

    assert store.follows == {(jake.id, amy.id): NOW}


def test_rollback_forgets_follow_changes(store: InMemoryStore) -> None:
    jake, amy = committed_pair(store)
    store.follows[(jake.id, amy.id)] = NOW

    with InMemoryUnitOfWork(store) as uow:
        uow.follows.remove(jake.id, amy.id)
        uow.follows.add(Follow(follower_id=amy.id, followee_id=jake.id, created_at=NOW))

    assert store.follows == {(jake.id, amy.id): NOW}


def test_commit_refuses_a_follow_by_an_unknown_user(store: InMemoryStore) -> None:
    _, amy = committed_pair(store)
    uow = InMemoryUnitOfWork(store)

    with uow:
        uow.follows.add(Follow(follower_id=new_user_id(), followee_id=amy.id, created_at=NOW))
        with pytest.raises(Unauthenticated):
            uow.commit()

    assert store.follows == {}
    assert uow.commits == 0
