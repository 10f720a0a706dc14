"""Tags in use."""

from application.queries import TagQueries


class ListTags:
    """Every tag some article carries, sorted; no "top N" cap."""

    def __init__(self, tags: TagQueries) -> None:
        self._tags = tags

    def __call__(self) -> tuple[str, ...]:
        return self._tags.all()
