"""Signing in with a token."""

from dataclasses import dataclass

from application.ports import TokenClaims, TokenService
from application.queries import UserQueries
from application.views import AccountView
from domain.errors import Unauthenticated

ACCOUNT_GONE = "is invalid"


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
            raise Unauthenticated(message=ACCOUNT_GONE)
        refuse_unless_accepted(check.accepted)
        return SignedIn(claims=claims, account=check.account)

    def check_with_next_read(self, claims: TokenClaims) -> "DeferredCheck | None":
        """For a request that only reads: the check rides on the request's first read instead of costing a read
        of its own (UserQueries.check_session_with_next_read), or None where it cannot (then `check`). The caller
        must `confirm` the returned check before it answers."""
        deferred = DeferredCheck(self, claims)
        rides = self._users.check_session_with_next_read(
            claims.user_id,
            password_version=claims.password_version,
            session_id=claims.session_id,
            settle=deferred.settle,
        )
        return deferred if rides else None


class DeferredCheck:
    """A sign-in check carried by a read the request makes anyway. Until that read has settled it, `confirm` makes
    the check itself: an answer never goes out on an unchecked sign-in."""

    __slots__ = ("_accepted", "_authenticate", "_claims", "settled")

    def __init__(self, authenticate: Authenticate, claims: TokenClaims) -> None:
        self._authenticate, self._claims = authenticate, claims
        self._accepted: bool | None = None
        self.settled = False

    def settle(self, accepted: bool | None) -> None:
        """The outcome, from the read that carried the check; refused at once (the read's answer never arrives)."""
        self._accepted, self.settled = accepted, True
        refuse_unless_accepted(accepted)

    def confirm(self) -> None:
        if self.settled:
            refuse_unless_accepted(self._accepted)
        else:
            self._authenticate.check(self._claims)


def refuse_unless_accepted(accepted: bool | None) -> None:
    """The session check's outcome: None when the account is gone."""
    if accepted is None:
        raise Unauthenticated(message=ACCOUNT_GONE)
    if not accepted:
        raise Unauthenticated(message="is no longer valid")  # the password changed since, elsewhere
