"""Paging windows, shared by every list a use case answers."""

from domain.errors import InvalidInput

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
OFFSET_MAX = 2**31 - 1


def check_window(limit: int, offset: int) -> None:
    errors = {}
    if not 1 <= limit <= PAGE_SIZE_MAX:
        errors["limit"] = [f"must be between 1 and {PAGE_SIZE_MAX}"]
    if not 0 <= offset <= OFFSET_MAX:
        errors["offset"] = [f"must be between 0 and {OFFSET_MAX}"]
    if errors:
        raise InvalidInput(errors)
