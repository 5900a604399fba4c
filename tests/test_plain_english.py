"""Candidate pages are plain English: measured with textstat over the visible text of each page's main content.

The bar: a reading age a 12-year-old manages, taken as a Flesch-Kincaid grade of 7 or below (US grade 7 is
age 12 to 13) for every page a candidate reads, sentences of 20 words or fewer on average, and every term a
candidate may not know explained on the page where it appears."""

import re
from datetime import date, datetime, time, timedelta

import textstat

from recruit.errors import render_error
from recruit.extensions import db
from recruit.models import Placement, Suggestion, User, utcnow
from recruit.services import interviews, monitoring, offers
from recruit.services.accounts import make_token
from recruit.services.matching import decide
from tests.candidate_journey import ELIGIBLE_ANSWERS, Poster
from tests.factories import make_eligible, make_placement, make_published_suggestion
from tests.page_checks import visible_text


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
    main = html[html.index("<main") : html.index("</main>")]
    # Checkbox and select options are lists of names (skills, standards, boroughs), not sentences: the prose around
    # them is measured.
    main = re.sub(
        r'<label class="govuk-label govuk-checkboxes__label"[^>]*>.*?</label>|<option[^>]*>.*?</option>',
        "",
        main,
        flags=re.S,
    )
    lines = visible_text(main).split("\n")
    # A line without its own full stop (a heading, a label, a button) is a sentence of its own.
    return " ".join(line if line.endswith((".", "?", "!", ":")) else line + "." for line in lines)


def scores(html: str) -> dict:
    """Flesch-Kincaid grade and Flesch reading ease from textstat's counts of words, sentences and syllables.
    (The formulas are applied here: textstat 0.7.5's own functions return cached results for other texts.)"""
    text = main_text(html)
    words, sentences, syllables = (
        textstat.lexicon_count(text),
        max(1, textstat.sentence_count(text)),
        textstat.syllable_count(text),
    )
    per_sentence, per_word = words / sentences, syllables / max(1, words)
    return {
        "grade": 0.39 * per_sentence + 11.8 * per_word - 15.59,
        "ease": 206.835 - 1.015 * per_sentence - 84.6 * per_word,
        "words_per_sentence": per_sentence,
    }


def candidate_pages(app, client, login_as, make_user) -> dict[str, str]:
    """The pages a candidate reads: from the start page to their dashboard, the equality questions, the hiring
    steps (interview, offer) and the error pages they can meet."""
    pages = {}
    # No employer-written text on the placement: the service's own words are what is measured.
    placement_id = make_placement(app, description="", skills=[], training_provider="", adjustments_contact="")
    for path in (
        "/",
        f"/placements/{placement_id}",
        "/apply/eligibility",
        *(f"/apply/eligibility/{key}" for key in ELIGIBLE_ANSWERS),
        "/apply/eligibility/cannot-apply/age",
    ):
        if "cannot-apply" in path:
            Poster(client)("/apply/eligibility/age", {"answer": "no"})
        pages[path] = _get(client, path)
    user = login_as()
    make_eligible(app, user.candidate_id)
    for path in (
        "/candidates/",
        "/candidates/application",
        "/candidates/application/about-you",
        "/candidates/application/where-you-live",
        "/candidates/application/when-you-can-work",
        "/candidates/application/skills",
        "/candidates/application/interests",
        "/candidates/application/qualifications",
        "/candidates/application/support",
        "/candidates/application/how-you-heard",
        "/candidates/choices",
        "/candidates/application/check",
        "/candidates/your-data",
        "/candidates/delete-account",
    ):
        pages[path] = _get(client, path)
    make_eligible(
        app,
        user.candidate_id,
        status="submitted",
        submitted_at=utcnow(),
        first_name="Ama",
        last_name="Mensah",
        date_of_birth=date(2007, 5, 1),
        interview_adjustments="Questions in advance, please",
    )
    for path in ("/candidates/application/sent", "/candidates/equality-questions", "/candidates/withdraw"):
        pages[path] = _get(client, path)
    pages.update(_equality_pages(client))
    make_published_suggestion(app, user.candidate_id, "suggested")
    pages["/candidates/ (with a suggestion)"] = _get(client, "/candidates/")
    pages.update(_hiring_pages(app, client, user, make_user))
    pages.update(_error_pages(app, client))
    return pages


def _equality_pages(client) -> dict[str, str]:
    """Each equality question (the follow-up one too, once an answer asks it), the answers so far, and deleting them."""
    post, pages = Poster(client), {}
    for question in monitoring.asked_questions():
        for key, answer in question.get("asked_if", {}).items():
            assert post(f"/candidates/equality-questions/{key}", {"answer": answer}).status_code == 302
        path = f"/candidates/equality-questions/{question['key']}"
        pages[path] = _get(client, path)
    pages["/candidates/equality-questions (your answers)"] = _get(client, "/candidates/equality-questions")
    pages["/candidates/equality-questions/withdraw"] = _get(client, "/candidates/equality-questions/withdraw")
    return pages


def _hiring_pages(app, client, user, make_user) -> dict[str, str]:
    """The suggestion through the hiring steps with the real services: shortlisted with no interview times yet, then
    with times, booked, offered, and the confirmation page for each answer to the offer."""
    recruiter = make_user("recruiter", "newham")
    pages = {}
    with app.test_request_context():
        suggestion = db.session.scalar(db.select(Suggestion).where(Suggestion.candidate_id == user.candidate_id))
        decide(suggestion, "shortlist", suggestion.version, recruiter.id)
        suggestion_id, placement_id = suggestion.id, suggestion.placement_id
    base, named = f"/candidates/suggestions/{suggestion_id}", "/candidates/suggestions/<id>"  # the report names no ids
    pages[f"{named}/interview (no times yet)"] = _get(client, f"{base}/interview")
    with app.test_request_context():
        day = datetime.now(interviews.LONDON).date() + timedelta(days=3)
        slot_ids = [
            interviews.create_slot(
                db.session.get_one(Placement, placement_id),
                interviews.NewSlot(
                    day=day,
                    start=time(hour, 0),
                    minutes=45,
                    place="Newham Town Hall, Barking Road",
                    video_link="",
                    capacity=1,
                    interviewer_ids=[recruiter.id],
                ),
                recruiter.id,
            ).id
            for hour in (10, 14)
        ]
    pages[f"{named}/interview"] = _get(client, f"{base}/interview")
    pages[f"{named}/interview/no-time-suits"] = _get(client, f"{base}/interview/no-time-suits")
    with app.test_request_context():
        interviews.book(db.session.get_one(Suggestion, suggestion_id), slot_ids[0], user.id)
    pages[f"{named}/interview (booked)"] = _get(client, f"{base}/interview")
    pages[f"{named}/interview/cancel"] = _get(client, f"{base}/interview/cancel")
    with app.test_request_context():
        suggestion = db.session.get_one(Suggestion, suggestion_id)
        offers.make_offer(
            suggestion, suggestion.version, recruiter.id, offers.default_terms(suggestion, "Sam Patel, 020 7946 0000")
        )
    for path in ("/offer", "/offer/accept", "/offer/decline"):
        pages[named + path] = _get(client, base + path)
    pages["/candidates/ (with an offer)"] = _get(client, "/candidates/")
    return pages


def _error_pages(app, client) -> dict[str, str]:
    """The error pages a candidate can meet: a wrong address, a staff page, a broken or expired email link, a form
    sent after the page was open too long, too many tries, and a fault on our side (rendered as the handlers do)."""
    pages = {
        "404": _get(client, "/candidates/suggestions/999999/offer", 404),
        "403": _get(client, "/staff/", 403),
        "400 (form open too long)": _get(client, "/candidates/withdraw", 400, method="post"),
        "/confirm-email (broken link)": _get(client, "/confirm-email/not-a-real-link", 400),
    }
    with app.app_context():
        token = make_token(db.session.scalars(db.select(User).limit(1)).one(), "reset")
    app.config["TOKEN_MAX_AGE_SECONDS"] = -1  # every link has expired
    pages["/reset-password (expired link)"] = _get(client, f"/reset-password/{token}", 400)
    with app.test_request_context():
        for code in (429, 500):
            html, status, _ = render_error(code)
            assert status == code
            pages[str(code)] = html
    return pages


def _get(client, path, status=200, method="get") -> str:
    response = getattr(client, method)(path)
    assert response.status_code == status, (path, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def test_candidate_pages_read_at_a_twelve_year_olds_level(app, client, login_as, make_user):
    pages = candidate_pages(app, client, login_as, make_user)
    measured = {path: scores(html) for path, html in pages.items()}
    report = "\n".join(
        f"{path}: grade {s['grade']:.1f}, ease {s['ease']:.0f}, {s['words_per_sentence']:.1f} words a sentence"
        for path, s in measured.items()
    )
    print(report)
    hard = {
        path: s
        for path, s in measured.items()
        if s["grade"] > GRADE_LIMIT or s["words_per_sentence"] > WORDS_PER_SENTENCE_LIMIT
    }
    assert not hard, report


def test_terms_a_candidate_may_not_know_are_explained_where_they_appear(app, client, login_as, make_user):
    pages = {path: visible_text(html) for path, html in candidate_pages(app, client, login_as, make_user).items()}
    placement = next(text for path, text in pages.items() if path.startswith("/placements/"))
    assert "This is the job and training you will do." in placement  # apprenticeship standard
    assert "Level 4 (like the first year of a degree)" in placement  # level
    assert "pick you to go on to the next step" in pages["/candidates/ (with a suggestion)"]  # shortlist
    assert "In kilometres, one way. 5 km is about 3 miles." in pages["/candidates/application/where-you-live"]
    support = pages["/candidates/application/support"]
    assert "guaranteed interview scheme" in support.lower() and "For example, extra time" in support
    explained = {  # page: (the term, its explanation on that page)
        "/candidates/equality-questions/ethnicity": ("ethnic group", "about your family's background and culture"),
        "/candidates/equality-questions/gender_identity": (
            "sex registered at birth",
            "the sex on your birth certificate",
        ),
        "/candidates/equality-questions/sexual_orientation": (
            "sexual orientation",
            "This means who you are attracted to.",
        ),
        "/candidates/equality-questions/long_term_condition": (
            "conditions or illnesses",
            "a health problem of your body or mind",
        ),
        "/candidates/equality-questions/condition_reduces_activity": (
            "day-to-day activities",
            "like getting dressed, going out",
        ),
        "/candidates/equality-questions/socio_economic": (
            "main household earner",
            "the person who earned the most money in your home",
        ),
        "/candidates/equality-questions/care_leaver": ("in care", "living with foster carers, in a children's home"),
        "/candidates/suggestions/<id>/interview (booked)": (
            "adjustments",
            "the changes that help you at your interview",
        ),
        "/candidates/suggestions/<id>/interview/cancel": ("shortlist", "the borough still wants to interview you"),
        "/candidates/suggestions/<id>/offer": (
            "level 4",
            "level 4 (like the first year of a degree). This is the job and training you will do.",
        ),
        "/candidates/suggestions/<id>/offer (answers)": (
            "decline",
            "Accept the offer (say yes) or decline it (say no)",
        ),
        "/candidates/delete-account": (
            "matched",
            "each time we matched candidates to placements, with you under a made-up label",
        ),
        "403": ("permission", "Some pages are only for staff."),
    }
    for page, (term, explanation) in explained.items():
        text = pages[page.removesuffix(" (answers)")]
        assert term in text and explanation in text, (page, term)
