"""Name-blind means blind: before shortlisting, a recruiter never sees identifying details in a candidate's own words."""

import pytest

from recruit.services.matching.blind import redact
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, run
from tests.page_checks import visible_words

FREE_TEXT = (
    "I am Kwame Mensah (Kwams to friends). I went to Hackney New School, then Newham Sixth Form College "
    "and NewVIc evening classes. Email me at kwame.mensah@test.example or km.codes@elsewhere.example, "
    "ring 07700 900456 or +44 20 7946 0958. My work is at github.com/kwamemensah and "
    "https://www.linkedin.com/in/kwame-m/. Find me on Instagram @kwame_builds. I live at E8 3PB, near N16. "
    "I built a Python 3.11 app with Node.js and ASP.NET between 2019-2023 for 12 clubs."
)
SECRETS = (
    "Kwame",
    "Mensah",
    "Kwams",
    "Hackney New School",
    "Newham Sixth Form College",
    "NewVIc",
    "kwame.mensah@test.example",
    "km.codes@elsewhere.example",
    "07700 900456",
    "+44 20 7946 0958",
    "github.com/kwamemensah",
    "linkedin.com",
    "@kwame_builds",
    "E8 3PB",
    "N16",
)
KEPT = (
    "Python 3.11 app with Node.js and ASP.NET between 2019-2023 for 12 clubs",
    "Email me at",
    "My work is at",
    "Find me on Instagram",
)


@pytest.fixture
def kwame(app, make_user):
    placement = make_placement(app, title="Junior developer apprentice (Housing repairs)")
    person = make_candidate(
        app, make_user, [placement], skills_text=FREE_TEXT, preferred_name="Kwams", phone="07700 900456"
    )
    # the stored name is what the candidate wrote in their own words
    from recruit.extensions import db
    from recruit.models import Candidate

    with app.app_context():
        candidate = db.session.get(Candidate, person.id)
        candidate.first_name, candidate.last_name = "Kwame", "Mensah"
        db.session.commit()
    suggestion = run(app).suggestions[0]
    return {"placement": placement, "person": person, "suggestion": suggestion}


def test_every_kind_of_identifying_detail_is_removed_on_every_page_before_shortlisting(client, login_as, kwame):
    login_as("recruiter", "hackney")
    suggestion_id = kwame["suggestion"].id
    for path in (
        f"/recruiters/placements/{kwame['placement']}",
        f"/recruiters/suggestions/{suggestion_id}",
        f"/recruiters/suggestions/{suggestion_id}/reject",
    ):
        text = visible_words(client.get(path).get_data(as_text=True))
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), (path, secret)
        if "/reject" not in path:  # the reject page shows only the reference
            assert "[removed]" in text
            for kept in KEPT:
                assert kept in text, (path, kept)
            assert text.count("[removed]") >= 13


def test_original_words_are_shown_once_shortlisted(client, login_as, kwame):
    login_as("recruiter", "hackney")
    suggestion_id = kwame["suggestion"].id
    post = Poster(client, f"/recruiters/suggestions/{suggestion_id}")
    assert post(f"/recruiters/suggestions/{suggestion_id}/shortlist", {"version": "1"}).status_code == 302
    text = visible_words(client.get(f"/recruiters/suggestions/{suggestion_id}").get_data(as_text=True))
    assert "[removed]" not in text
    assert FREE_TEXT in text and "Kwame Mensah (known as Kwams)" in text


def test_the_pages_that_promise_it_say_what_recruiters_see_when(client):
    how = visible_words(client.get("/how-matching-works").get_data(as_text=True))
    assert "shows to them as “[removed]”" in how and "Once they shortlist you, they see your name" in how
    privacy = visible_words(client.get("/privacy").get_data(as_text=True))
    assert "the recruiter sees “[removed]” in their place" in privacy
    assert "Once a recruiter shortlists you, they see your name, email address, phone number" in privacy


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Email a.b+c@mail.example now", "Email [removed] now"),
        ("Call 020 7946 0000.", "Call [removed]."),
        ("Call 07700900457", "Call [removed]"),
        ("See www.example.org/me, thanks", "See [removed], thanks"),
        ("Follow @dev_person!", "Follow [removed]!"),
        ("Lives in sw1a 1aa", "Lives in [removed]"),
        ("Near SE15 market", "Near [removed] market"),
        ("At St Mary's C of E Primary School I ran a club", "At [removed] I ran a club"),
        ("Studied at University of East London", "Studied at [removed]"),
        ("Went to UCL", "Went to [removed]"),
        ("I know ASP.NET, Node.js, W3C and SQL from 2019-2023", "I know ASP.NET, Node.js, W3C and SQL from 2019-2023"),
        ("At school I learnt maths", "At school I learnt maths"),
    ],
)
def test_each_kind_is_found_and_ordinary_words_stay(text, expected):
    assert redact(text) == expected


def test_the_candidates_own_details_are_removed_however_written():
    from types import SimpleNamespace

    person = SimpleNamespace(
        first_name="Ottoline",
        last_name="Marchetti-Abara",
        preferred_name=None,
        user=SimpleNamespace(email="otto.m@test.example"),
        outward_postcode="N1",
        phone="07700 900 123",
    )
    assert redact("ottoline MARCHETTI and abara; otto.m; ring 0 7700 900123; I live in N1", person) == (
        "[removed] [removed] and [removed]; [removed]; ring [removed]; I live in [removed]"
    )
    assert redact(None, person) is None and redact("", person) == ""
