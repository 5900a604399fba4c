"""Reading plain values people type, shared by forms and services (no web or form library here)."""


def whole_number(text: str | int | None, max_digits: int = 9) -> int | None:
    """The whole number written in the digits 0-9, else None. (str.isdigit accepts '²' and '٣', which int() refuses.)
    A form field not posted keeps the number it was given, so a number is read as its digits."""
    text = str(text) if isinstance(text, int) and not isinstance(text, bool) else (text or "")
    text = text.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
