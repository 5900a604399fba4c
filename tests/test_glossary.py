"""Emails and the API's descriptions use the glossary's words (docs/glossary.md); pages are checked by the crawl in
test_visible_text.py."""

import re
from pathlib import Path

from tests.page_checks import wrong_words

EMAILS = Path(__file__).resolve().parent.parent / "templates" / "email"


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("description", "summary", "title") and isinstance(item, str):
                yield item
            else:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_email_uses_the_glossarys_words():
    templates = sorted(EMAILS.glob("*.txt")) + sorted(EMAILS.glob("*.html"))
    assert len(templates) >= 10
    for template in templates:
        words = re.sub(r"{{.*?}}|{%.*?%}|{#.*?#}|<[^>]+>", " ", template.read_text(encoding="utf-8"), flags=re.S)
        assert not wrong_words(words), (template.name, wrong_words(words))


def test_the_apis_descriptions_use_the_glossarys_words(client):
    document = client.get("/api/v1/openapi.json").get_json()
    texts = list(_strings(document))
    assert len(texts) > 20
    assert not [problem for text in texts for problem in wrong_words(text)]


def test_the_glossary_defines_every_word_the_issue_names():
    glossary = (Path(__file__).resolve().parent.parent / "docs" / "glossary.md").read_text(encoding="utf-8")
    for word in (
        "placement",
        "position",
        "apprenticeship standard",
        "application",
        "choice",
        "suggestion",
        "round",
        "run",
        "cycle",
        "stage",
        "status",
    ):
        assert re.search(rf"^\| \*\*{word}\*\*", glossary, re.M), word
