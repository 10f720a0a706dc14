from datetime import timedelta

import pytest

from domain.errors import CannotFollowSelf
from domain.follows import Follow
from domain.ids import new_user_id
from tests.builders import NOW


def test_follow_refuses_a_user_following_themselves() -> None:
    user_id = new_user_id()

    with pytest.raises(CannotFollowSelf) as raised:
        Follow(follower_id=user_id, followee_id=user_id, created_at=NOW)

    assert raised.value.errors == {"profile": ["cannot follow yourself"]}


def test_follow_key_is_follower_then_followee() -> None:
    follower, followee = new_user_id(), new_user_id()

    follow = Follow(follower_id=follower, followee_id=followee, created_at=NOW)

    assert follow.key == (follower, followee)


def test_follows_are_equal_when_keys_are_equal_whatever_their_dates() -> None:
    follower, followee = new_user_id(), new_user_id()

    first = Follow(follower_id=follower, followee_id=followee, created_at=NOW)
    again = Follow(follower_id=follower, followee_id=followee, created_at=NOW + timedelta(days=1))

    assert first == again
    assert hash(first) == hash(again)


def test_follows_differ_when_direction_differs() -> None:
    a, b = new_user_id(), new_user_id()

    a_follows_b = Follow(follower_id=a, followee_id=b, created_at=NOW)
    b_follows_a = Follow(follower_id=b, followee_id=a, created_at=NOW)

    assert a_follows_b != b_follows_a
    assert a_follows_b != a_follows_b.key
