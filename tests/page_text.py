"""A page's tables and its error summary as a person reads them, parsed from the HTML (standard library only); the
page's running text is tests/page_checks.visible_text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_HIDDEN = {"script", "style", "template", "head", "title"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class PageTable:
    caption: str
    rows: list[list[str]] = field(default_factory=list)  # every row, header row first, cells as visible text

    @property
    def header(self) -> list[str]:
        return self.rows[0] if self.rows else []

    def cell(self, row_label: str, column: str) -> str:
        """The text in the row whose first cell is `row_label`, under the column headed `column`."""
        index = self.header.index(column)
        return next(row for row in self.rows[1:] if row[0] == row_label)[index]

    def body(self) -> dict[str, dict[str, str]]:
        """{row label: {column heading: text}} for every row below the header."""
        return {row[0]: dict(zip(self.header[1:], row[1:])) for row in self.rows[1:]}


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden_tag: str | None = None  # the element whose content is hidden, and how deep we are in it
        self.hidden_depth = 0
        self.tables: list[PageTable] = []
        self.open_tables: list[PageTable] = []
        self.cell: list[str] | None = None
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.hidden_tag is not None:
            self.hidden_depth += tag == self.hidden_tag
            return
        if (tag in _HIDDEN or "hidden" in attributes) and tag not in _VOID:
            self.hidden_tag, self.hidden_depth = tag, 1
            return
        if tag == "table":
            self.open_tables.append(PageTable(""))
        elif tag == "caption" and self.open_tables:
            self.in_caption = True
        elif tag == "tr" and self.open_tables:
            self.open_tables[-1].rows.append([])
        elif tag in ("td", "th") and self.open_tables:
            self.cell = []

    def handle_endtag(self, tag):
        if self.hidden_tag is not None:
            if tag == self.hidden_tag:
                self.hidden_depth -= 1
                if not self.hidden_depth:
                    self.hidden_tag = None
            return
        if tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.cell is not None and self.open_tables:
            self.open_tables[-1].rows[-1].append(_squash("".join(self.cell)))
            self.cell = None
        elif tag == "table" and self.open_tables:
            table = self.open_tables.pop()
            table.caption = _squash(table.caption)
            self.tables.append(table)

    def handle_data(self, data):
        if self.hidden_tag is not None:
            return
        if self.in_caption and self.open_tables:
            self.open_tables[-1].caption += data
        elif self.cell is not None:
            self.cell.append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser


def page_tables(html: str) -> list[PageTable]:
    """Every table on the page with its caption and cell texts."""
    return _parse(html).tables


class _ErrorSummary(HTMLParser):
    """Collects the text of the GOV.UK error summary's list."""

    def __init__(self):
        super().__init__()
        self.depth, self.messages = 0, []

    def handle_starttag(self, tag, attrs):
        if "govuk-error-summary__list" in (dict(attrs).get("class") or ""):
            self.depth = 1
        elif self.depth and tag == "ul":
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "ul" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and data.strip():
            self.messages.append(data.strip())


def error_summary(html: str) -> list[str]:
    """The messages listed in the page's error summary."""
    parser = _ErrorSummary()
    parser.feed(html)
    return parser.messages
