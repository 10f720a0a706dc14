"""Read ports over the committed in-memory state."""

from adapters.memory.store import InMemoryStore
from application.queries import ProfileQueries
from application.views import ProfileView
from domain.ids import UserId


class InMemoryProfileQueries(ProfileQueries):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def find(self, username: str, *, viewer_id: UserId | None) -> ProfileView | None:
        with self._store.lock:
            user = next((u for u in self._store.users.values() if u.username == username), None)
            if user is None:
                return None
            following = viewer_id is not None and (viewer_id, user.id) in self._store.follows
            return ProfileView.of(user, following=following)
