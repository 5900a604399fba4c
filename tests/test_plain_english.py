"""Candidate pages are plain English: measured with textstat over the visible text of each page's main content.

The bar: a reading age a 12-year-old manages, taken as a Flesch-Kincaid grade of 7 or below (US grade 7 is
age 12 to 13) for every page a candidate reads, sentences of 20 words or fewer on average, and every term a
candidate may not know explained on the page where it appears."""

import re

import pytest
import textstat

from recruit.extensions import db
from recruit.models import utcnow

from candidate_journey import ELIGIBLE_ANSWERS, Poster, make_eligible, make_vacancy
from page_checks import visible_text
from test_next_steps import _suggest

class _Pronunciations(dict):
    """textstat 0.7.5 looks words up in the CMU dictionary and catches only TypeError and IndexError: a word it
    does not know (like "Hackney's") would raise KeyError. An empty list makes it count syllables with pyphen,
    as it means to."""

    def __missing__(self, word):
        return []


_measure = textstat.flesch_kincaid_grade.__self__  # the module's functions are methods of one instance
_measure.set_lang("en_US")
_measure.cmu_dict = _Pronunciations(_measure.cmu_dict)
GRADE_LIMIT = 7.0
WORDS_PER_SENTENCE_LIMIT = 20


def main_text(html: str) -> str:
    """The visible text of <main> only (menus and the footer are not what a page says), as sentences."""
    main = html[html.index("<main"):html.index("</main>")]
    # Checkbox and select options are lists of names (skills, standards, boroughs), not sentences: the prose around
    # them is measured.
    main = re.sub(r'<label class="govuk-label govuk-checkboxes__label"[^>]*>.*?</label>|<option[^>]*>.*?</option>', "", main,
                  flags=re.S)
    lines = visible_text(main).split("\n")
    # A line without its own full stop (a heading, a label, a button) is a sentence of its own.
    return " ".join(line if line.endswith((".", "?", "!", ":")) else line + "." for line in lines)


def scores(html: str) -> dict:
    """Flesch-Kincaid grade and Flesch reading ease from textstat's counts of words, sentences and syllables.
    (The formulas are applied here: textstat 0.7.5's own functions return cached results for other texts.)"""
    text = main_text(html)
    words, sentences, syllables = (textstat.lexicon_count(text), max(1, textstat.sentence_count(text)),
                                   textstat.syllable_count(text))
    per_sentence, per_word = words / sentences, syllables / max(1, words)
    return {"grade": 0.39 * per_sentence + 11.8 * per_word - 15.59, "ease": 206.835 - 1.015 * per_sentence - 84.6 * per_word,
            "words_per_sentence": per_sentence}


def candidate_pages(app, client, login_as) -> dict[str, str]:
    """The pages a first-time candidate reads, from the start page to their dashboard."""
    pages = {}
    vacancy_id = make_vacancy(app)
    for path in ("/", f"/placements/{vacancy_id}", "/apply/eligibility", *(f"/apply/eligibility/{key}" for key in ELIGIBLE_ANSWERS),
                 "/apply/eligibility/cannot-apply/age"):
        if "cannot-apply" in path:
            Poster(client)("/apply/eligibility/age", {"answer": "no"})
        pages[path] = _get(client, path)
    user = login_as()
    make_eligible(app, user.candidate_id)
    for path in ("/candidates/", "/candidates/application", "/candidates/application/about-you",
                 "/candidates/application/where-you-live", "/candidates/application/when-you-can-work",
                 "/candidates/application/skills", "/candidates/application/interests",
                 "/candidates/application/qualifications", "/candidates/application/support",
                 "/candidates/application/how-you-heard", "/candidates/choices", "/candidates/application/check",
                 "/candidates/your-data"):
        pages[path] = _get(client, path)
    make_eligible(app, user.candidate_id, status="submitted", submitted_at=utcnow())
    for path in ("/candidates/application/sent", "/candidates/equality-questions", "/candidates/withdraw"):
        pages[path] = _get(client, path)
    _suggest(app, user.candidate_id, "suggested")
    pages["/candidates/ (with a suggestion)"] = _get(client, "/candidates/")
    return pages


def _get(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def test_candidate_pages_read_at_a_twelve_year_olds_level(app, client, login_as):
    pages = candidate_pages(app, client, login_as)
    measured = {path: scores(html) for path, html in pages.items()}
    report = "\n".join(f"{path}: grade {s['grade']:.1f}, ease {s['ease']:.0f}, {s['words_per_sentence']:.1f} words a sentence"
                       for path, s in measured.items())
    print(report)
    import os
    for path in os.environ.get("SHOW_TEXT", "").split(","):
        if path in pages:
            print("TEXT", path, main_text(pages[path]))
    hard = {path: s for path, s in measured.items()
            if s["grade"] > GRADE_LIMIT or s["words_per_sentence"] > WORDS_PER_SENTENCE_LIMIT}
    assert not hard, report


def test_terms_a_candidate_may_not_know_are_explained_where_they_appear(app, client, login_as):
    pages = {path: visible_text(html) for path, html in candidate_pages(app, client, login_as).items()}
    placement = next(text for path, text in pages.items() if path.startswith("/placements/"))
    assert "This is the job and training you will do." in placement  # apprenticeship standard
    assert "Level 4 (like the first year of a degree)" in placement  # level
    assert "pick you to go on to the next step" in pages["/candidates/ (with a suggestion)"]  # shortlist
    assert "In kilometres, one way. 5 km is about 3 miles." in pages["/candidates/application/where-you-live"]
    support = pages["/candidates/application/support"]
    assert "guaranteed interview scheme" in support.lower() and "For example, extra time" in support
