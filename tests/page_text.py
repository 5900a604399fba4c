"""What a person sees on a page: its visible text, and the messages in its GOV.UK error summary."""

from html.parser import HTMLParser

_HIDDEN = {"script", "style", "head", "title"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip, self.in_summary, self.summary = [], 0, 0, []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag in _HIDDEN:
            self.skip += 1
        if "govuk-error-summary__list" in classes:
            self.in_summary += 1
        elif self.in_summary and tag == "ul":
            self.in_summary += 1

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self.skip -= 1
        if tag == "ul" and self.in_summary:
            self.in_summary -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())
            if self.in_summary:
                self.summary.append(data.strip())


def visible_text(html: str) -> str:
    """The page's text as read on screen, words separated by single spaces."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def error_summary(html: str) -> list[str]:
    """The messages listed in the page's error summary."""
    parser = _Text()
    parser.feed(html)
    return parser.summary
