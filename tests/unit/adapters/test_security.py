import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from adapters.security import Argon2PasswordHasher, JwtTokenService
from domain.errors import Unauthenticated
from domain.ids import new_user_id

SECRET = "unit-test-secret-" + "s" * 48  # 64 bytes: PyJWT warns below that for HS512


@pytest.fixture(scope="module")
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(memory_kib=1024, time_cost=1)


@pytest.fixture
def tokens() -> JwtTokenService:
    return JwtTokenService(secret=SECRET, lifetime=timedelta(hours=1))


def unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def future() -> int:
    return int((datetime.now(UTC) + timedelta(hours=1)).timestamp())


def test_hasher_verifies_the_password_it_hashed(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("correct horse")

    assert password_hash != "correct horse"
    assert hasher.verify(password_hash, "correct horse")


def test_hasher_refuses_another_password(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("correct horse")

    assert not hasher.verify(password_hash, "correct horsf")


def test_hasher_salts_each_hash(hasher: Argon2PasswordHasher) -> None:
    assert hasher.hash("correct horse") != hasher.hash("correct horse")


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$v=19$m=1024,t=1,p=1$garbage"])
def test_hasher_answers_false_for_a_malformed_stored_hash(hasher: Argon2PasswordHasher, stored: str) -> None:
    assert not hasher.verify(stored, "correct horse")


def test_hasher_still_verifies_hashes_made_with_other_parameters(hasher: Argon2PasswordHasher) -> None:
    older = Argon2PasswordHasher(memory_kib=2048, time_cost=2).hash("correct horse")

    assert hasher.verify(older, "correct horse")


def test_tokens_carry_the_user_id(tokens: JwtTokenService) -> None:
    user_id = new_user_id()

    token = tokens.issue(user_id, password_version=0)

    assert tokens.read(token).user_id == user_id


def test_tokens_are_signed_with_hs256_and_expire_after_the_lifetime() -> None:
    tokens = JwtTokenService(secret=SECRET, lifetime=timedelta(minutes=30))

    claims = jwt.decode(tokens.issue(new_user_id(), password_version=0), SECRET, algorithms=["HS256"])

    assert jwt.get_unverified_header(tokens.issue(new_user_id(), password_version=0))["alg"] == "HS256"
    assert claims["exp"] - claims["iat"] == 30 * 60


def test_tokens_report_an_expired_token() -> None:
    expired = JwtTokenService(secret=SECRET, lifetime=timedelta(seconds=-1)).issue(new_user_id(), password_version=0)

    with pytest.raises(Unauthenticated) as raised:
        JwtTokenService(secret=SECRET, lifetime=timedelta(hours=1)).read(expired)

    assert raised.value.errors == {"token": ["has expired"]}


def test_tokens_read_again_come_from_the_verified_ones_and_still_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = JwtTokenService(secret=SECRET, lifetime=timedelta(minutes=30))
    user_id = new_user_id()
    token = tokens.issue(user_id, password_version=3, session_id="s1")
    first = tokens.read(token)
    decoded: list[object] = []

    def decode(*args: object, **kwargs: object) -> dict[str, object]:
        decoded.append(args)
        return {}

    monkeypatch.setattr(jwt, "decode", decode)

    again = tokens.read(token)  # no second signature check: jwt.decode would now fail

    assert again == first
    assert (again.user_id, again.password_version, again.session_id) == (user_id, 3, "s1")
    assert decoded == []
    thirty_one_minutes_on = datetime.now(UTC).timestamp() + 31 * 60
    monkeypatch.setattr(time, "time", lambda: thirty_one_minutes_on)
    with pytest.raises(Unauthenticated) as raised:
        tokens.read(token)
    assert raised.value.errors == {"token": ["has expired"]}


def test_tokens_keep_no_verdict_on_a_token_that_failed() -> None:
    tokens = JwtTokenService(secret=SECRET, lifetime=timedelta(minutes=30))
    forged = jwt.encode({"sub": str(uuid.uuid4()), "exp": future(), "pwv": 0, "sid": "x"}, "another-secret-" + "x" * 49)

    for _ in range(2):
        with pytest.raises(Unauthenticated) as raised:
            tokens.read(forged)
        assert raised.value.errors == {"token": ["is invalid"]}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param(
            jwt.encode({"sub": str(uuid.uuid4()), "exp": future()}, "another-secret-" + "x" * 49), id="other-secret"
        ),
        pytest.param(unsigned({"sub": str(uuid.uuid4()), "exp": future()}), id="alg-none"),
        pytest.param(jwt.encode({"sub": str(uuid.uuid4())}, SECRET), id="no-exp"),
        pytest.param(jwt.encode({"exp": future()}, SECRET), id="no-sub"),
        pytest.param(jwt.encode({"sub": "jake", "exp": future()}, SECRET), id="sub-not-a-uuid"),
        pytest.param(jwt.encode({"sub": str(uuid.uuid4()), "exp": future()}, SECRET, algorithm="HS512"), id="hs512"),
    ],
)
def test_tokens_refuse_an_invalid_token(tokens: JwtTokenService, token: str) -> None:
    with pytest.raises(Unauthenticated) as raised:
        tokens.read(token)

    assert raised.value.errors == {"token": ["is invalid"]}


def test_hasher_runs_at_most_its_concurrency_of_hashes_at_once() -> None:
    import threading
    import time

    hasher = Argon2PasswordHasher(memory_kib=1024, time_cost=1, concurrency=2)
    inside, peak, lock = 0, 0, threading.Lock()
    real = hasher._hasher

    class Watching:
        def hash(self, password: str) -> str:
            nonlocal inside, peak
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.01)  # let the other threads pile up at the door
            try:
                return real.hash(password)
            finally:
                with lock:
                    inside -= 1

    hasher._hasher = Watching()  # type: ignore[assignment]
    threads = [threading.Thread(target=hasher.hash, args=(f"password-{n}",)) for n in range(8)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert peak == 2
