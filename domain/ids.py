"""Identifiers are UUIDs made in the domain: hashable before any flush, and no id generation in the fakes."""

import uuid
from typing import NewType

UserId = NewType("UserId", uuid.UUID)


def new_user_id() -> UserId:
    return UserId(uuid.uuid4())
