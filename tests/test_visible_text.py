"""Every page of every role, with the demo data and its round 1, read as a person reads it.

The demo is seeded once; then, for each role (and each stage a candidate can be in), every page without URL
parameters is visited, and every page its links lead to (record pages such as a placement, a suggestion or a run),
a few per kind of page. The visible text of each must hold no Python value, no raw ISO timestamp, no markup shown
as text, no internal code, no empty label, no duplicate id, and none of the words the glossary replaces."""

import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from recruit.demo import SHOWCASE
from recruit.extensions import db
from recruit.models import MatchRun, User
from tests.page_checks import problems, visible_text, wrong_words

NOT_PAGES = ("/api/", "/assets/", ".csv", ".json", "/download", "/sign-out", "/confirm-email", "/reset-password")
PER_ENDPOINT = 3  # record pages of one kind: a few are enough to see every shape of value
ROLES = [
    "admin@demo.example",
    "analyst@demo.example",
    "borough-staff.hackney@demo.example",
    "recruiter.hackney@demo.example",
] + [f"candidate{n}@demo.example" for n in range(1, len(SHOWCASE) + 1)]


@pytest.fixture
def demo(app):
    from recruit.demo import seed_demo

    with app.app_context():
        result = seed_demo()
        return {"showcase": result["showcase"], "runs": db.session.scalar(select(db.func.count(MatchRun.id)))}


def _start_paths(app) -> list[str]:
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not any(p in rule.rule for p in NOT_PAGES):
            paths.add(rule.rule)
    return sorted(paths)


def _links(html: str) -> list[str]:
    found = []
    for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
        href = urldefrag(unescape(href))[0]
        if href.startswith("/") and not href.startswith("//") and not any(p in href for p in NOT_PAGES):
            found.append(href)
    return found


def crawl(app, client) -> tuple[dict[str, list[str]], set[str]]:
    """Visit every page reachable from the parameterless ones; ({path: problems} for pages with any, endpoints seen)."""
    adapter = app.url_map.bind("localhost")
    seen: set[str] = set()
    per_endpoint: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    queue = _start_paths(app)
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            endpoint, _ = adapter.match(urlsplit(path).path, method="GET")
        except Exception:
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        if per_endpoint[endpoint] > PER_ENDPOINT + 1:
            continue
        response = client.get(path)
        assert response.status_code < 500, f"{path} answered {response.status_code}"
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        page_problems = problems(html) + wrong_words(visible_text(html))
        if page_problems:
            found[path] = page_problems
        queue.extend(link for link in _links(html) if link not in seen)
    return found, set(per_endpoint)


def _sign_in(client, app, email: str) -> None:
    from tests.candidate_journey import sign_in

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    sign_in(client, SimpleNamespace(id=user_id))


# Record pages each role's crawl must reach, so the crawl cannot pass by seeing only start pages.
MUST_REACH = {
    None: {"placements.detail", "accounts.sign_in"},
    "admin@demo.example": {"admin.match_run", "staff.preview", "staff.edit"},
    "borough-staff.hackney@demo.example": {"staff.preview", "staff.edit", "staff.import_csv"},
    "recruiter.hackney@demo.example": {"recruiters.placement", "recruiters.suggestion"},
    "candidate1@demo.example": {"candidates.dashboard", "candidates.your_data", "candidates.choices"},
    "candidate9@demo.example": {"candidates.task_list", "candidates.section", "candidates.check_answers"},
}


@pytest.mark.fresh_database  # every page includes the reports, which query on connections of their own
@pytest.mark.parametrize("email", [None, *ROLES])
def test_every_page_of_every_role_reads_as_words(app, demo, email):
    assert demo["runs"] == 1 and [e for e, _ in demo["showcase"]] == ROLES[4:]
    client = app.test_client()
    if email:
        _sign_in(client, app, email)
    found, endpoints = crawl(app, client)
    assert MUST_REACH.get(email, set()) <= endpoints  # the crawl reached the record pages, not only the start pages
    assert not found, "\n".join(
        f"{email or 'anonymous'} {path}: {'; '.join(problems_found)}" for path, problems_found in found.items()
    )


def test_the_checks_catch_what_they_are_for():
    """Each check fails on the thing it looks for (so the crawl above can fail)."""
    assert problems("<dl><dt>Phone number</dt><dd>None</dd></dl>")
    assert problems("<p>Account created: 2026-12-02T01:00:53.826407+00:00</p>")
    assert problems("<p>Closes 02/12/2026</p>")
    assert problems("<p>application.section_saved</p>")
    assert problems("<p>&lt;li&gt;Your choice&lt;/li&gt;</p>")
    assert problems("<dl><dt></dt><dd>Hackney</dd></dl>")
    assert problems('<div id="x"></div><input id="x">')
    assert problems("<dl><dt>Status</dt><dd>submitted</dd></dl>")
    assert problems("<dl><dt>Stage</dt><dd>3</dd></dl>")
    assert not problems("<p>We have not suggested you for any placements yet.</p><p>2 December 2026 at 2:05pm</p>")
    assert visible_text("<p>Shown<script>hidden()</script><span hidden>no</span></p>") == "Shown"
    assert wrong_words("Your preferences") and wrong_words("Vacancy details") and not wrong_words("Your choices")
