"""What a person reads on a page, and the checks every page must pass on it (the tests' one visible-text parser).

Parsed with the standard library's HTML parser. Text inside script, style, template, a closed dialog and anything marked
`hidden` is skipped; text a screen reader announces (GOV.UK's visually hidden spans, button values) counts,
because someone reads it."""

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIPPED = {"script", "style", "template", "noscript", "head"}
BLOCK = {
    "p",
    "div",
    "li",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "caption",
    "legend",
    "label",
    "section",
    "header",
    "footer",
    "main",
    "nav",
    "ul",
    "ol",
    "form",
    "fieldset",
    "table",
    "br",
    "details",
    "summary",
    "button",
}
# Elements whose own text must never be empty: a label, a summary row's key or value, a link, a button.
MUST_HAVE_TEXT = {"label", "legend", "dt", "dd", "a", "button", "caption", "h1", "h2", "h3", "th"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, list[str], dict]] = []  # (tag, hidden, own text parts, attrs)
        self.parts: list[str] = []
        self.checked: list[str] = []  # the same text less <code> (a format shown on purpose, like 2027-09-01)
        self.empty: list[str] = []
        self.ids: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden, _, _ in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        closed_dialog = tag == "dialog" and "open" not in attrs  # shown only when a script opens it
        hidden = tag in SKIPPED or "hidden" in attrs or attrs.get("type") == "hidden" or closed_dialog
        if tag in VOID:
            if tag == "input" and attrs.get("type") in ("submit", "button") and not (hidden or self._hidden()):
                self._text(attrs.get("value") or "")
            if tag == "br":
                self._break()
            return
        if tag in BLOCK:
            self._break()
        self.stack.append((tag, hidden, [], attrs))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        # Close up to the matching open tag (browsers forgive missing end tags; so do we).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                break
        else:
            return
        while len(self.stack) > index:
            open_tag, hidden, own, attrs = self.stack.pop()
            text = " ".join("".join(own).split())
            if (
                open_tag in MUST_HAVE_TEXT
                and not text
                and not hidden
                and not self._hidden()
                and not attrs.get("aria-label")
                and "govuk-summary-list__actions" not in attrs.get("class", "")
            ):
                self.empty.append(f"<{open_tag} class={attrs.get('class', '')!r} id={attrs.get('id', '')!r}>")
            if self.stack:
                self.stack[-1][2].append(" " + "".join(own) + " ")
        if tag in BLOCK:
            self._break()

    def _break(self):
        self.parts.append("\n")
        self.checked.append("\n")

    def handle_data(self, data):
        if not self._hidden():
            self._text(re.sub(r"\s+", " ", data))  # a line break in the source is a space on the page

    def _text(self, data):
        self.parts.append(data)
        if not any(tag == "code" for tag, _, _, _ in self.stack):
            self.checked.append(data)
        if self.stack:
            self.stack[-1][2].append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _lines(parts: list[str]) -> str:
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def visible_text(html: str) -> str:
    """The page's visible text, one block a line, spaces collapsed."""
    return _lines(parse(html).parts)


def first_match(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """The first match of a pattern the page must contain (failing with the pattern when it does not)."""
    found = re.search(pattern, text, flags)
    assert found, f"the page has nothing matching {pattern!r}"
    return found


def visible_words(html: str) -> str:
    """The page's visible text on one line, for finding a phrase wherever the blocks break."""
    return " ".join(visible_text(html).split())


ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|\b)|\b\d{1,2}/\d{1,2}/\d{4}\b")
INTERNAL_CODE = re.compile(r"\b[a-z]+\.[a-z]+_[a-z_]+\b")
MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>|&(?:[a-z]+|#\d+);")
PYTHON_VALUE = re.compile(r"(?:^|:\s*|\()(?:None|True|False)(?:$|\))|\b(?:null|undefined|NaN|nan)\b")
RAW_WORD = re.compile(
    r"(?:^|:\s)(draft|submitted|withdrawn|suggested|shortlisted|rejected|offered|accepted|borough_staff|"
    r"live|closed|filled)$"
)


# Labels whose value is always words (a stage, a status, a place, a name), never a bare number.
WORD_KEYS = {
    "Stage",
    "Status",
    "Borough",
    "Apprenticeship standard",
    "Application",
    "Name",
    "Home borough",
    "Started by",
    "Training provider",
}


def problems(html: str) -> list[str]:
    """Everything a person should never read on a page, each with the line it is on."""
    page = parse(html)
    text = _lines(page.checked)
    found = []
    for line in text.split("\n"):
        for name, pattern in (
            ("Python value", PYTHON_VALUE),
            ("raw timestamp", ISO_TIMESTAMP),
            ("internal code", INTERNAL_CODE),
            ("markup shown as text", MARKUP),
            ("raw status word", RAW_WORD),
        ):
            if pattern.search(line):
                found.append(f"{name}: {line!r}")
    rows = text.split("\n")
    for key, value in zip(rows, rows[1:]):
        if key in WORD_KEYS and re.fullmatch(r"[\d.,%-]+", value):
            found.append(f"a number where a word was expected: {key!r} is {value!r}")
    found += [f"empty element: {tag}" for tag in page.empty]
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    found += [f"duplicate id: {i}" for i in duplicates]
    return found


# Words the glossary (docs/glossary.md) says never to use for its things, in anything a person reads.
NOT_OUR_WORDS = re.compile(
    r"\b(vacanc(?:y|ies)|preferences?|applicants?|best match|matches for you|your matches)\b", re.IGNORECASE
)


def wrong_words(text: str) -> list[str]:
    """Each line that uses a word the glossary replaces."""
    return [
        f"not our word {m.group(0)!r}: {line!r}" for line in text.split("\n") for m in [NOT_OUR_WORDS.search(line)] if m
    ]
