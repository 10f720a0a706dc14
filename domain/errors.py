"""Domain errors. Each carries the spec's error key (`field`) and message; the HTTP layer maps the kind to a status."""


class DomainError(Exception):
    field: str = "error"
    message: str = "is invalid"

    def __init__(self, field: str | None = None, message: str | None = None) -> None:
        if field is not None:
            self.field = field
        if message is not None:
            self.message = message
        super().__init__(f"{self.field} {self.message}")

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class InvalidInput(DomainError):
    """One or more fields break a rule; `errors` lists every failing field so a form can show them all."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self._errors = errors
        field, messages = next(iter(errors.items()))
        super().__init__(field, messages[0])

    @property
    def errors(self) -> dict[str, list[str]]:
        return self._errors


class NotFound(DomainError):
    message = "not found"


class AlreadyExists(DomainError):
    message = "has already been taken"


class Forbidden(DomainError):
    message = "forbidden"


class Unauthenticated(DomainError):
    field = "token"
    message = "is invalid"


class ProfileNotFound(NotFound):
    field = "profile"


class UsernameTaken(AlreadyExists):
    field = "username"


class EmailTaken(AlreadyExists):
    field = "email"


class InvalidCredentials(Unauthenticated):
    field = "credentials"
    message = "invalid"


class CannotFollowSelf(InvalidInput):
    def __init__(self) -> None:
        super().__init__({"profile": ["cannot follow yourself"]})


class ArticleNotFound(NotFound):
    field = "article"


class CommentNotFound(NotFound):
    field = "comment"


class NotArticleAuthor(Forbidden):
    field = "article"


class NotCommentAuthor(Forbidden):
    field = "comment"


class SlugTaken(AlreadyExists):
    """Two articles would share a slug: only possible if their id suffixes collide."""

    field = "slug"
