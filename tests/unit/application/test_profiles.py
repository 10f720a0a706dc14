import pytest

from adapters.memory.queries import InMemoryProfileQueries
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.profiles import FollowCommand, FollowUser, GetProfile, GetProfileCommand, UnfollowUser
from application.views import ProfileView
from domain.errors import CannotFollowSelf, ProfileNotFound, Unauthenticated
from domain.ids import new_user_id
from domain.users import User
from tests.builders import NOW, FixedClock, a_user, committed


@pytest.fixture
def follow(uow: InMemoryUnitOfWork, clock: FixedClock) -> FollowUser:
    return FollowUser(uow=uow, clock=clock)


@pytest.fixture
def unfollow(uow: InMemoryUnitOfWork) -> UnfollowUser:
    return UnfollowUser(uow=uow)


@pytest.fixture
def get_profile(profiles: InMemoryProfileQueries) -> GetProfile:
    return GetProfile(profiles=profiles)


@pytest.fixture
def jake(store: InMemoryStore) -> User:
    user = a_user(username="jake", bio="I work at statefarm", image="https://i.example/j.png")
    committed(store, user)
    return user


JAKE = ProfileView(username="jake", bio="I work at statefarm", image="https://i.example/j.png", following=False)
JAKE_FOLLOWED = ProfileView(username="jake", bio="I work at statefarm", image="https://i.example/j.png", following=True)


# GetProfile


def test_get_profile_shows_not_following_to_an_anonymous_viewer(get_profile: GetProfile, jake: User) -> None:
    view = get_profile(GetProfileCommand(username="jake"))

    assert view == JAKE


def test_get_profile_shows_following_to_a_viewer_who_follows(
    get_profile: GetProfile, store: InMemoryStore, jake: User, amy: User
) -> None:
    store.follows[(amy.id, jake.id)] = NOW

    view = get_profile(GetProfileCommand(username="jake", viewer_id=amy.id))

    assert view == JAKE_FOLLOWED


def test_get_profile_shows_not_following_when_only_the_other_direction_exists(
    get_profile: GetProfile, store: InMemoryStore, jake: User, amy: User
) -> None:
    store.follows[(jake.id, amy.id)] = NOW

    view = get_profile(GetProfileCommand(username="jake", viewer_id=amy.id))

    assert view == JAKE


def test_get_profile_raises_profile_not_found_for_an_unknown_username(get_profile: GetProfile, jake: User) -> None:
    with pytest.raises(ProfileNotFound) as raised:
        get_profile(GetProfileCommand(username="Jake"))

    assert raised.value.errors == {"profile": ["not found"]}


# FollowUser


def test_follow_user_stores_the_follow_and_shows_the_profile_as_followed(
    follow: FollowUser, store: InMemoryStore, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    view = follow(FollowCommand(follower_id=amy.id, username="jake"))

    assert view == JAKE_FOLLOWED
    assert store.follows == {(amy.id, jake.id): NOW}
    assert uow.commits == 1


def test_follow_user_is_seen_by_get_profile(follow: FollowUser, get_profile: GetProfile, jake: User, amy: User) -> None:
    follow(FollowCommand(follower_id=amy.id, username="jake"))

    assert get_profile(GetProfileCommand(username="jake", viewer_id=amy.id)).following
    assert not get_profile(GetProfileCommand(username="jake")).following
    assert not get_profile(GetProfileCommand(username="amy", viewer_id=jake.id)).following


def test_follow_user_twice_is_the_same_as_once(
    follow: FollowUser, store: InMemoryStore, clock: FixedClock, jake: User, amy: User
) -> None:
    follow(FollowCommand(follower_id=amy.id, username="jake"))
    clock.advance()

    view = follow(FollowCommand(follower_id=amy.id, username="jake"))

    assert view == JAKE_FOLLOWED
    assert store.follows == {(amy.id, jake.id): NOW}


def test_follow_user_raises_profile_not_found_and_commits_nothing_for_an_unknown_username(
    follow: FollowUser, store: InMemoryStore, amy: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(ProfileNotFound):
        follow(FollowCommand(follower_id=amy.id, username="nobody"))

    assert store.follows == {}
    assert uow.commits == 0


def test_follow_user_refuses_following_yourself(
    follow: FollowUser, store: InMemoryStore, jake: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(CannotFollowSelf):
        follow(FollowCommand(follower_id=jake.id, username="jake"))

    assert store.follows == {}
    assert uow.commits == 0


def test_follow_user_raises_unauthenticated_when_the_follower_account_does_not_exist(
    follow: FollowUser, store: InMemoryStore, jake: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(Unauthenticated):
        follow(FollowCommand(follower_id=new_user_id(), username="jake"))

    assert store.follows == {}
    assert uow.commits == 0


# UnfollowUser


def test_unfollow_user_removes_the_follow(
    unfollow: UnfollowUser, store: InMemoryStore, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    store.follows[(amy.id, jake.id)] = NOW
    store.follows[(jake.id, amy.id)] = NOW

    view = unfollow(FollowCommand(follower_id=amy.id, username="jake"))

    assert view == JAKE
    assert store.follows == {(jake.id, amy.id): NOW}
    assert uow.commits == 1


def test_unfollow_user_who_is_not_followed_changes_nothing(
    unfollow: UnfollowUser, store: InMemoryStore, jake: User, amy: User
) -> None:
    store.follows[(jake.id, amy.id)] = NOW

    view = unfollow(FollowCommand(follower_id=amy.id, username="jake"))

    assert view == JAKE
    assert store.follows == {(jake.id, amy.id): NOW}


def test_unfollow_user_raises_profile_not_found_and_commits_nothing_for_an_unknown_username(
    unfollow: UnfollowUser, store: InMemoryStore, jake: User, amy: User, uow: InMemoryUnitOfWork
) -> None:
    store.follows[(amy.id, jake.id)] = NOW

    with pytest.raises(ProfileNotFound):
        unfollow(FollowCommand(follower_id=amy.id, username="nobody"))

    assert store.follows == {(amy.id, jake.id): NOW}
    assert uow.commits == 0


def test_follow_then_unfollow_leaves_the_profile_not_followed(
    follow: FollowUser, unfollow: UnfollowUser, get_profile: GetProfile, jake: User, amy: User
) -> None:
    follow(FollowCommand(follower_id=amy.id, username="jake"))

    unfollow(FollowCommand(follower_id=amy.id, username="jake"))

    assert get_profile(GetProfileCommand(username="jake", viewer_id=amy.id)) == JAKE
