"""Read ports: answers built straight from storage, without loading aggregates."""

import abc

from application.views import ProfileView
from domain.ids import UserId


class ProfileQueries(abc.ABC):
    @abc.abstractmethod
    def find(self, username: str, *, viewer_id: UserId | None) -> ProfileView | None:
        """The profile of `username` as `viewer_id` sees it (`following`), or None when there is no such user."""
