import dataclasses
import sys
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.users import (
    KEEP,
    User,
    validate_profile_update,
    validate_registration,
)
from domain.validation import BLANK
from tests.builders import NOW, a_user

VALID = {"username": "jake", "email": "jake@jake.jake", "password": "jakejake"}
WHITESPACE = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]

# Usernames a client may choose: printable, no whitespace, no '/', at most 64 characters.
valid_usernames = st.text(
    alphabet=st.characters(exclude_categories=["Cc", "Cs"], exclude_characters=["/", *WHITESPACE]),
    min_size=1,
    max_size=64,
)


def registration_errors(**fields: str | None) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as raised:
        validate_registration(**{**VALID, **fields})
    return raised.value.errors


def snapshot(user: User) -> dict[str, object]:
    return dataclasses.asdict(user)


def test_validate_registration_accepts_valid_fields() -> None:
    validate_registration(**VALID)


@pytest.mark.parametrize(
    ("username", "message"),
    [
        (None, BLANK),
        ("", BLANK),
        ("   ", BLANK),
        ("\t\n", BLANK),
        ("j" * 65, "is too long (maximum is 64 characters)"),
        ("jake peralta", "must not contain spaces or '/'"),
        (" jake", "must not contain spaces or '/'"),
        ("jake\u00a0peralta", "must not contain spaces or '/'"),
        ("jake/peralta", "must not contain spaces or '/'"),
        ("jake\tperalta", "contains invalid characters"),
        ("jake\n", "contains invalid characters"),
        ("jake\x00", "contains invalid characters"),
    ],
)
def test_validate_registration_rejects_username_when_invalid(username: str | None, message: str) -> None:
    errors = registration_errors(username=username)

    assert errors == {"username": [message]}


def test_validate_registration_accepts_username_of_64_characters() -> None:
    validate_registration(**{**VALID, "username": "j" * 64})


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (None, BLANK),
        ("", BLANK),
        ("   ", BLANK),
        ("jake", "is invalid"),
        ("@jake.jake", "is invalid"),
        ("jake@", "is invalid"),
        ("jake@@jake.jake", "is invalid"),
        ("jake@jake@jake", "is invalid"),
        ("jake peralta@jake.jake", "is invalid"),
        (" jake@jake.jake", "is invalid"),
        ("jake@jake.jake\n", "contains invalid characters"),
        ("j" * 64 + "@" + "a" * 190, "is too long (maximum is 254 characters)"),
    ],
)
def test_validate_registration_rejects_email_when_invalid(email: str | None, message: str) -> None:
    errors = registration_errors(email=email)

    assert errors == {"email": [message]}


@pytest.mark.parametrize(
    "email", ["jake@jake.jake", "Jake.Peralta+99@Example.COM", "j@localhost", "j" * 64 + "@" + "a" * 189]
)
def test_validate_registration_accepts_email_when_well_formed(email: str) -> None:
    validate_registration(**{**VALID, "email": email})


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (None, BLANK),
        ("", BLANK),
        ("p" * 7, "is too short (minimum is 8 characters)"),
        ("p" * 257, "is too long (maximum is 256 characters)"),
    ],
)
def test_validate_registration_rejects_password_when_out_of_bounds(password: str | None, message: str) -> None:
    errors = registration_errors(password=password)

    assert errors == {"password": [message]}


@pytest.mark.parametrize("password", ["p" * 8, "p" * 64, "p" * 256, "correct horse battery staple", " " * 8])
def test_validate_registration_accepts_password_between_8_and_256_characters(password: str) -> None:
    validate_registration(**{**VALID, "password": password})


def test_validate_registration_reports_every_failing_field() -> None:
    errors = registration_errors(username="", email="not-an-email", password="short")

    assert errors == {
        "username": [BLANK],
        "email": ["is invalid"],
        "password": ["is too short (minimum is 8 characters)"],
    }


def test_invalid_input_names_its_first_field_and_keeps_all_errors() -> None:
    error = InvalidInput({"email": ["is invalid"], "password": [BLANK]})

    assert (error.field, error.message) == ("email", "is invalid")
    assert error.errors == {"email": ["is invalid"], "password": [BLANK]}


@given(username=valid_usernames)
def test_update_profile_accepts_any_valid_username_unchanged(username: str) -> None:
    user = a_user()

    user.update_profile(now=NOW, username=username)

    assert user.username == username


@given(
    before=st.text(max_size=20),
    space=st.sampled_from(WHITESPACE),
    after=st.text(max_size=20),
)
def test_validate_registration_rejects_any_username_containing_whitespace(before: str, space: str, after: str) -> None:
    errors = registration_errors(username=before + space + after)

    assert list(errors) == ["username"]


def test_register_starts_with_no_bio_or_image_and_both_timestamps_at_now() -> None:
    user = User.register(username="jake", email="jake@jake.jake", password_hash="hash", now=NOW)

    assert (user.username, user.email, user.password_hash) == ("jake", "jake@jake.jake", "hash")
    assert (user.bio, user.image) == (None, None)
    assert user.created_at == user.updated_at == NOW


def test_register_gives_each_user_a_new_id() -> None:
    first = User.register(username="jake", email="jake@jake.jake", password_hash="hash", now=NOW)
    second = User.register(username="jake", email="jake@jake.jake", password_hash="hash", now=NOW)

    assert first.id != second.id


def test_update_profile_changes_given_fields_and_updated_at() -> None:
    user = a_user(username="jake", email="jake@jake.jake")
    later = NOW + timedelta(hours=1)

    user.update_profile(
        now=later, username="amy", email="amy@jake.jake", bio="I like to skateboard", image="https://i.example/a.png"
    )

    assert (user.username, user.email, user.bio, user.image) == (
        "amy",
        "amy@jake.jake",
        "I like to skateboard",
        "https://i.example/a.png",
    )
    assert (user.created_at, user.updated_at) == (NOW, later)


def test_update_profile_leaves_fields_marked_keep_as_they_are() -> None:
    user = a_user(username="jake", email="jake@jake.jake", bio="bio", image="https://i.example/j.png")

    user.update_profile(now=NOW + timedelta(hours=1), bio="new bio")

    assert (user.username, user.email, user.bio, user.image) == (
        "jake",
        "jake@jake.jake",
        "new bio",
        "https://i.example/j.png",
    )


def test_update_profile_with_every_field_kept_only_touches_updated_at() -> None:
    user = a_user(bio="bio", image="https://i.example/j.png")
    before = snapshot(user)
    later = NOW + timedelta(hours=1)

    user.update_profile(now=later, username=KEEP, email=KEEP, bio=KEEP, image=KEEP)

    assert snapshot(user) == {**before, "updated_at": later}


@pytest.mark.parametrize("empty", ["", None])
def test_update_profile_stores_empty_bio_and_image_as_none(empty: str | None) -> None:
    user = a_user(bio="bio", image="https://i.example/j.png")

    user.update_profile(now=NOW, bio=empty, image=empty)

    assert (user.bio, user.image) == (None, None)


def test_update_profile_accepts_a_multiline_bio() -> None:
    user = a_user()

    user.update_profile(now=NOW, bio="line one\nline two\r\n\tindented")

    assert user.bio == "line one\nline two\r\n\tindented"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"bio": "b" * 10_001}, {"bio": ["is too long (maximum is 10000 characters)"]}),
        ({"bio": "bell\x07"}, {"bio": ["contains invalid characters"]}),
        ({"image": "https://i.example/" + "i" * 2_031}, {"image": ["is too long (maximum is 2048 characters)"]}),
        ({"image": "https://i.example/a.png\n"}, {"image": ["contains invalid characters"]}),
        ({"username": ""}, {"username": [BLANK]}),
        ({"email": "jake"}, {"email": ["is invalid"]}),
    ],
)
def test_update_profile_rejects_invalid_values(fields: dict[str, str], errors: dict[str, list[str]]) -> None:
    user = a_user()

    with pytest.raises(InvalidInput) as raised:
        user.update_profile(now=NOW, **fields)

    assert raised.value.errors == errors


def test_update_profile_changes_nothing_when_one_field_is_invalid() -> None:
    user = a_user(username="jake", email="jake@jake.jake", bio="bio")
    before = snapshot(user)

    with pytest.raises(InvalidInput):
        user.update_profile(now=NOW + timedelta(hours=1), username="amy", bio="", email="not-an-email")

    assert snapshot(user) == before


def test_update_profile_reports_every_failing_field() -> None:
    user = a_user()

    with pytest.raises(InvalidInput) as raised:
        user.update_profile(now=NOW, username="a/b", email="", bio="ok", image="bad\nimage")

    assert raised.value.errors == {
        "username": ["must not contain spaces or '/'"],
        "email": [BLANK],
        "image": ["contains invalid characters"],
    }


def test_validate_profile_update_refuses_none_for_username_and_email() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_profile_update(username=None, email=None, bio=None, image=None)

    assert raised.value.errors == {"username": [BLANK], "email": [BLANK]}


def test_change_password_hash_replaces_the_hash_and_touches_updated_at() -> None:
    user = a_user(password_hash="old")
    later = NOW + timedelta(days=1)

    user.change_password_hash("new", now=later)

    assert (user.password_hash, user.updated_at) == ("new", later)


def test_users_are_equal_when_ids_are_equal_whatever_their_fields() -> None:
    user = a_user(username="jake", bio="bio")
    same = a_user(user_id=user.id, username="amy", email="amy@jake.jake", bio=None)

    assert user == same
    assert hash(user) == hash(same)
    assert len({user, same}) == 1


def test_users_differ_when_ids_differ_even_with_equal_fields() -> None:
    user = a_user(username="jake")
    twin = dataclasses.replace(user, id=a_user().id)

    assert user != twin


def test_user_is_not_equal_to_another_kind_of_object() -> None:
    user = a_user()

    assert user != user.id
    assert user != snapshot(user)
