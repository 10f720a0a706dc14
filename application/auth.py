"""Signing in with a token."""

from application.ports import TokenClaims, TokenService
from application.queries import UserQueries
from domain.errors import Unauthenticated


class Authenticate:
    """A token signs its user in while the account exists and its password is the one the token was issued
    under. Changing the password signs out every other sign-in session; the one that changed it stays in."""

    def __init__(self, tokens: TokenService, users: UserQueries) -> None:
        self._tokens, self._users = tokens, users

    def __call__(self, token: str) -> TokenClaims:
        claims = self._tokens.read(token)
        accepted = self._users.accepts_session(
            claims.user_id, password_version=claims.password_version, session_id=claims.session_id
        )
        if accepted is None:
            raise Unauthenticated(message="is invalid")  # the account is gone
        if not accepted:
            raise Unauthenticated(message="is no longer valid")  # the password changed since, elsewhere
        return claims
