"""What a person sees on a page: the visible text of rendered HTML (no tags, attributes, scripts or hidden parts;
markup shown as text stays visible, e.g. "<li>"). One helper for every test that reads a page's words."""

import re
from html.parser import HTMLParser

HIDDEN_TAGS = {"script", "style", "head", "template", "noscript"}
INLINE_TAGS = {"a", "abbr", "b", "code", "em", "i", "kbd", "s", "small", "span", "strong", "time", "u"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            self.parts.append(" ")
            return
        attributes = dict(attrs)
        hidden = tag in HIDDEN_TAGS or "hidden" in attributes or attributes.get("aria-hidden") == "true"
        self.stack.append(hidden)
        self.hidden_depth += hidden
        if tag not in INLINE_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in VOID_TAGS or not self.stack:
            return
        self.hidden_depth -= self.stack.pop()
        if tag not in INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's visible text with runs of whitespace made single spaces."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()
