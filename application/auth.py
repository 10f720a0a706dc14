"""Signing in with a token."""

from dataclasses import dataclass

from application.ports import TokenClaims, TokenService
from application.queries import UserQueries
from application.views import AccountView
from domain.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class SignedIn:
    claims: TokenClaims
    account: AccountView  # read with the session check: the current user costs no second read


class Authenticate:
    """A token signs its user in while the account exists and its password is the one the token was issued
    under. Changing the password signs out every other sign-in session; the one that changed it stays in."""

    def __init__(self, tokens: TokenService, users: UserQueries) -> None:
        self._tokens, self._users = tokens, users

    def __call__(self, token: str) -> SignedIn:
        return self.check(self.read(token))

    def read(self, token: str) -> TokenClaims:
        """The token's own checks (signature, expiry): no I/O."""
        return self._tokens.read(token)

    def check(self, claims: TokenClaims, *, writing: bool = False) -> SignedIn:
        """Whether the account still accepts the token's sign-in session: one read. `writing`: the request goes on
        to write (see UserQueries.check_session)."""
        check = self._users.check_session(
            claims.user_id, password_version=claims.password_version, session_id=claims.session_id, writing=writing
        )
        if check is None:
            raise Unauthenticated(message="is invalid")  # the account is gone
        if not check.accepted:
            raise Unauthenticated(message="is no longer valid")  # the password changed since, elsewhere
        return SignedIn(claims=claims, account=check.account)
