"""What a person sees on a page: its visible text, without markup, scripts or hidden elements."""

import re
from html.parser import HTMLParser

_SKIPPED = {"script", "style", "template", "head", "title", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[bool] = []  # for each open element: is it (or an ancestor) hidden?

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        attributes = dict(attrs)
        hidden = (
            tag in _SKIPPED
            or "hidden" in attributes
            or tag == "dialog"
            and "open" not in attributes
            or "govuk-visually-hidden" in (attributes.get("class") or "").split()
        )
        self._stack.append(hidden or (self._stack[-1] if self._stack else False))

    def handle_endtag(self, tag):
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not (self._stack and self._stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's visible text with runs of whitespace made single spaces."""
    parser = _TextParser()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()
