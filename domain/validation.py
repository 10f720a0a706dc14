"""Field rules shared by the entities. Each check returns an error message, or None when the value is fine."""

import unicodedata

BLANK = "can't be blank"


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value)


def check_text(value: str | None, *, max_length: int, required: bool = True, multiline: bool = True) -> str | None:
    if value is None or not value.strip():
        return BLANK if required else None
    if len(value) > max_length:
        return f"is too long (maximum is {max_length} characters)"
    if has_control_characters(value) or (not multiline and any(ch in value for ch in "\n\r\t")):
        return "contains invalid characters"
    return None
