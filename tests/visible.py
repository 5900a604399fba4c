"""What a person reads on a page: the rendered text, without markup, scripts or styles."""

import re
from html.parser import HTMLParser

_HIDDEN = {"script", "style", "template", "head"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self.skipping += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _HIDDEN and self.skipping:
            self.skipping -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as read, whitespace collapsed (markup shown as text stays visible, e.g. "<li>")."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()
