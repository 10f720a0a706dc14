"""Signing in with a token."""

from application.ports import TokenService
from application.queries import UserQueries
from domain.errors import Unauthenticated
from domain.ids import UserId


class Authenticate:
    """A token signs its user in while the account exists and its password is the one the token was issued
    under: changing the password signs out every other device."""

    def __init__(self, tokens: TokenService, users: UserQueries) -> None:
        self._tokens, self._users = tokens, users

    def __call__(self, token: str) -> UserId:
        claims = self._tokens.read(token)
        current = self._users.password_version(claims.user_id)
        if current is None:
            raise Unauthenticated(message="is invalid")  # the account is gone
        if current != claims.password_version:
            raise Unauthenticated(message="is no longer valid")  # the password changed since
        return claims.user_id
