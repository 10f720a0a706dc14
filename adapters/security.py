"""Password hashing (argon2id) and signed tokens (JWT, HS256)."""

import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import argon2
import jwt

from application.ports import TokenClaims
from domain.errors import Unauthenticated
from domain.ids import UserId

# OWASP's minimum argon2id configuration (m=19 MiB, t=2, p=1): a login costs tens of milliseconds of CPU, not
# hundreds, while staying inside the guidance. Raise these on bigger machines; old hashes keep verifying.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class Argon2PasswordHasher:
    """argon2id, at most one hash per core at a time.

    Hashing is pure CPU and 19 MiB of memory each: a burst of logins on a 40-thread pool would otherwise hold
    40 x 19 MiB and make every login wait for all the others; queued, throughput is the same and memory flat.
    """

    def __init__(
        self,
        *,
        memory_kib: int = OWASP_MEMORY_KIB,
        time_cost: int = OWASP_TIME_COST,
        parallelism: int = OWASP_PARALLELISM,
        concurrency: int | None = None,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
        )
        self._slots = threading.BoundedSemaphore(concurrency or os.cpu_count() or 1)
        # Made now, not on the first unknown email: that first one must not cost an extra hash either.
        self._decoy_hash = self._hasher.hash(uuid.uuid4().hex)

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            with self._slots:
                return self._hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def burn_time(self, password: str) -> None:
        self.verify(self._decoy_hash, password)


class JwtTokenService:
    """Tokens carry the immutable user id (`sub`), the password version (`pwv`) and an expiry; only the pinned
    algorithm is accepted."""

    ALGORITHM = "HS256"

    # Tokens already verified, with their expiry: checking an HS256 signature costs as much CPU as the rest of a
    # small request, and a client sends the same token again and again. What a cached entry answers cannot differ
    # from a fresh check: the signature of a given token does not change, the expiry is checked on every read, and
    # revocation is the account's business (application/auth.py), not the token's.
    VERIFIED_TOKENS_KEPT = 10_000

    def __init__(self, *, secret: str, lifetime: timedelta) -> None:
        self._secret, self._lifetime = secret, lifetime
        self._verified: dict[str, tuple[TokenClaims, float]] = {}

    def issue(self, user_id: UserId, *, password_version: int, session_id: str | None = None) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "pwv": password_version,
            "sid": session_id or uuid.uuid4().hex,
            "iat": now,
            "exp": now + self._lifetime,
        }
        return jwt.encode(claims, self._secret, algorithm=self.ALGORITHM)

    def read(self, token: str) -> TokenClaims:
        if (verified := self._verified.get(token)) is not None:
            claims, expires_at = verified
            if time.time() < expires_at:
                return claims
            raise Unauthenticated(message="has expired")
        return self._decode(token)

    def _decode(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[self.ALGORITHM], options={"require": ["sub", "exp", "pwv", "sid"]}
            )
            if not isinstance(claims["pwv"], int) or not isinstance(claims["sid"], str):
                raise TypeError("pwv/sid")
            verified = TokenClaims(
                user_id=UserId(uuid.UUID(claims["sub"])), password_version=claims["pwv"], session_id=claims["sid"]
            )
            if len(self._verified) >= self.VERIFIED_TOKENS_KEPT:
                self._verified.clear()  # simpler than an LRU, and as good for a working set this size
            self._verified[token] = (verified, float(claims["exp"]))
            return verified
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated(message="has expired") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise Unauthenticated(message="is invalid") from exc
