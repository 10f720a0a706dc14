"""Field rules shared by the entities. Each check returns an error message, or None when the value is fine."""

import unicodedata

BLANK = "can't be blank"
INVALID_CHARACTERS = "contains invalid characters"


def has_forbidden_characters(value: str, *, multiline: bool = True) -> bool:
    """Control characters (NUL among them: PostgreSQL cannot store it in text) and lone surrogates, which no
    encoding can carry; line breaks and tabs only where text may span lines."""
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) in {"Cc", "Cs"} and ch not in allowed for ch in value)


def check_text(value: str | None, *, max_length: int, required: bool = True, multiline: bool = True) -> str | None:
    if value is None or not value.strip():
        return BLANK if required else None
    if len(value) > max_length:
        return f"is too long (maximum is {max_length} characters)"
    if has_forbidden_characters(value, multiline=multiline):
        return INVALID_CHARACTERS
    return None


def check_lookup(value: str) -> str | None:
    """A value used only to look something up (a filter, a login email): any text that could be stored."""
    return INVALID_CHARACTERS if has_forbidden_characters(value, multiline=False) else None
