"""The page cache: anonymous public pages and the API come from it, change at once, never mix or leak, stay bounded."""

import gzip
import itertools
import json
import random
import re
import uuid
from datetime import date, timedelta

import brotli
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text, update

from recruit import create_app
from recruit.extensions import db as _db
from recruit.models import Placement
from recruit.page_cache import page_cache_entries
from tests.conftest import _test_config
from tests.factories import make_placement
from tests.page_checks import first_match, visible_words
from tests.placement_form import CREATE_URL, form_data, placements

pytestmark = pytest.mark.fresh_database  # several apps (as several server processes) must see each other's commits


TODAY = date.today()


def visible_text(response) -> str:
    """What a person reads on the page, on one line."""
    return visible_words(response.get_data(as_text=True))


def nav_links(response) -> list[str]:
    nav = first_match(r'<nav[^>]*aria-label="Menu".*?</nav>', response.get_data(as_text=True), re.S).group(0)
    return [" ".join(t.split()) for t in re.findall(r"<a[^>]*>(.*?)</a>", nav, re.S)]


def raw_title_change(app, placement_id: int, title: str) -> None:
    """Change a row behind the ORM's back, so only a cache that is serving hides it."""
    with app.app_context(), _db.engine.begin() as connection:
        connection.execute(text("UPDATE placement SET title = :t WHERE id = :i"), {"t": title, "i": placement_id})


@pytest.fixture
def make_app(database_url, _schema):
    """More apps on the test database (other workers, other settings), their connections closed afterwards."""
    made = []

    def make(**config):
        made.append(create_app({**_test_config(database_url, _schema), **config}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def anonymous(app):
    """A visitor with no cookies, beside `client` (which may sign in)."""
    return app.test_client(use_cookies=False)


# --- served from the cache, and changed at once -------------------------------------------------------------------


def test_an_anonymous_page_is_served_from_the_cache_until_a_placement_changes(app, anonymous):
    placement_id = make_placement(app, title="Original title")
    for path in (
        "/placements/",
        f"/placements/{placement_id}",
        "/api/v1/placements",
        f"/api/v1/placements/{placement_id}",
    ):
        assert "Original title" in anonymous.get(path).get_data(as_text=True)
    raw_title_change(app, placement_id, "Changed behind the cache")
    for path in (
        "/placements/",
        f"/placements/{placement_id}",
        "/api/v1/placements",
        f"/api/v1/placements/{placement_id}",
    ):
        assert "Original title" in anonymous.get(path).get_data(as_text=True)  # the cache answered
    with app.app_context():  # a change through the ORM, committed, retires every page
        _db.session.get(Placement, placement_id).positions = 3
        _db.session.commit()
    assert "Changed behind the cache" in visible_text(anonymous.get("/placements/"))
    assert anonymous.get(f"/api/v1/placements/{placement_id}").get_json()["title"] == "Changed behind the cache"


def test_publish_edit_close_and_fill_show_at_once_on_the_listing_its_page_and_the_api(app, client, login_as, anonymous):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as("borough_staff")
    client.post(CREATE_URL, data=form_data(title="Lifecycle placement"))
    [placement] = placements(app)
    page, item = f"/placements/{placement.id}", f"/api/v1/placements/{placement.id}"

    def seen() -> dict:
        return {
            "listing": "Lifecycle placement" in visible_text(anonymous.get("/placements/?postcode=E8&distance=5")),
            "page": anonymous.get(page).status_code == 200,
            "api": [v["title"] for v in anonymous.get("/api/v1/placements").get_json()["items"]],
            "item": anonymous.get(item).status_code == 200,
        }

    assert seen() == {"listing": False, "page": False, "api": [], "item": False}
    client.post(f"/staff/placements/{placement.id}/publish")
    assert seen() == {"listing": True, "page": True, "api": ["Lifecycle placement"], "item": True}
    client.post(f"/staff/placements/{placement.id}/edit", data=form_data(title="Renamed placement"))
    assert "Renamed placement" in visible_text(anonymous.get(page))
    assert anonymous.get("/api/v1/placements").get_json()["items"][0]["title"] == "Renamed placement"
    assert "Renamed placement" in visible_text(anonymous.get("/placements/?postcode=E8&distance=5"))
    client.post(f"/staff/placements/{placement.id}/close")
    closed = {"listing": False, "page": False, "api": [], "item": False}
    assert seen() == closed
    client.post(f"/staff/placements/{placement.id}/fill")
    assert placements(app)[0].status == "filled" and seen() == closed


def test_filling_a_live_placement_hides_it_at_once(app, client, login_as, anonymous):
    login_as("borough_staff")
    placement_id = make_placement(app, title="Soon filled")
    app.config["WTF_CSRF_ENABLED"] = False
    assert anonymous.get(f"/placements/{placement_id}").status_code == 200
    assert "Soon filled" in visible_text(anonymous.get("/placements/"))
    client.post(f"/staff/placements/{placement_id}/fill")
    assert placements(app)[0].status == "filled"
    assert anonymous.get(f"/placements/{placement_id}").status_code == 404
    assert "Soon filled" not in visible_text(anonymous.get("/placements/"))
    assert anonymous.get("/api/v1/placements").get_json()["total"] == 0


def test_a_bulk_update_through_the_session_retires_pages_too(app, anonymous):
    placement_id = make_placement(app, title="Bulk before")
    assert "Bulk before" in visible_text(anonymous.get("/placements/"))
    with app.app_context():
        _db.session.execute(update(Placement).where(Placement.id == placement_id).values(title="Bulk after"))
        _db.session.commit()
    assert "Bulk after" in visible_text(anonymous.get("/placements/"))


def test_a_change_made_by_another_worker_retires_this_workers_pages(app, make_app, anonymous):
    """Two apps stand for two gunicorn workers: each has its own in-process cache, both share the stamp file."""
    placement_id = make_placement(app, title="Before")
    assert "Before" in visible_text(anonymous.get("/placements/"))
    other = make_app(PAGE_CACHE_STAMP=app.config["PAGE_CACHE_STAMP"])
    with other.app_context():
        _db.session.get(Placement, placement_id).title = "After"
        _db.session.commit()
    assert "After" in visible_text(anonymous.get("/placements/"))


@pytest.mark.parametrize("change", ["standard", "borough", "cycle"])
def test_a_change_to_a_standard_a_borough_or_a_cycle_retires_pages_too(app, anonymous, change):
    from recruit.models import Borough, RecruitmentCycle, Standard

    make_placement(app)
    anonymous.get("/placements/")
    raw_title_change(app, placements(app)[0].id, "Seen after the change")
    with app.app_context():
        if change == "standard":
            _db.session.scalar(_db.select(Standard).where(Standard.reference == "ST0116")).title += " "
        elif change == "borough":
            _db.session.scalar(_db.select(Borough).where(Borough.slug == "hackney")).name += " "
        else:
            _db.session.add(
                RecruitmentCycle(name="Next", opens_on=TODAY, closes_on=TODAY + timedelta(days=90), target=5)
            )
        _db.session.commit()
    assert "Seen after the change" in visible_text(anonymous.get("/placements/"))


def test_a_campaign_code_is_remembered_every_time_not_cached_away(app, anonymous):
    for _ in range(3):
        response = anonymous.get("/?ref=SCHOOL1")
        assert response.status_code == 200 and "session=" in response.headers.get("Set-Cookie", "")
    assert page_cache_entries(app) == 0


def test_a_lost_generation_never_brings_old_pages_back(app, make_app, redis_config):
    """Redis may evict the generation key, or someone may delete the stamp file: old entries must stay stale."""
    import os

    import redis

    placement_id = make_placement(app, title="Old words")
    on_redis = make_app(**redis_config)
    for server, forget in (
        (app, lambda: os.remove(app.config["PAGE_CACHE_STAMP"])),
        (
            on_redis,
            lambda: redis.Redis.from_url("redis://127.0.0.1:6379/0").delete(
                f"{redis_config['CACHE_KEY_PREFIX']}page-generation"
            ),
        ),
    ):
        visitor = server.test_client(use_cookies=False)
        raw_title_change(app, placement_id, "Old words")
        assert "Old words" in visible_text(visitor.get("/placements/"))
        raw_title_change(app, placement_id, "New words")
        forget()
        assert "New words" in visible_text(visitor.get("/placements/"))


def test_a_rolled_back_change_keeps_the_cache(app, anonymous):
    placement_id = make_placement(app, title="Kept")
    anonymous.get("/placements/")
    raw_title_change(app, placement_id, "Not yet visible")
    with app.app_context():
        _db.session.get(Placement, placement_id).positions = 5
        _db.session.flush()
        _db.session.rollback()
    assert "Kept" in visible_text(anonymous.get("/placements/"))


# --- never personal, never mixed ------------------------------------------------------------------------------------


def test_a_signed_in_candidate_after_an_anonymous_visitor_gets_their_own_page(app, client, login_as, anonymous):
    placement_id = make_placement(app)
    for _ in range(2):
        public = anonymous.get(f"/placements/{placement_id}")
    assert nav_links(public)[-1] == "Sign in" and "Add to my choices" not in visible_text(public)
    login_as("candidate")
    mine = client.get(f"/placements/{placement_id}")
    assert nav_links(mine)[-1] == "Sign out" and "Add to my choices" in visible_text(mine)
    assert mine.headers["Cache-Control"] == "no-store" and "ETag" not in mine.headers
    listing = client.get("/placements/")
    assert nav_links(listing)[0] == "Your account" and listing.headers["Cache-Control"] == "no-store"


def test_an_anonymous_visitor_after_a_signed_in_one_never_gets_their_page(app, client, login_as, anonymous):
    placement_id = make_placement(app)
    login_as("candidate")
    entries = page_cache_entries(app)
    for path in (f"/placements/{placement_id}", "/placements/", "/", "/api/v1/placements"):
        assert client.get(path).status_code == 200
    assert page_cache_entries(app) == entries  # nothing a signed-in person saw was kept
    public = anonymous.get(f"/placements/{placement_id}")
    assert nav_links(public)[-1] == "Sign in" and "Add to my choices" not in visible_text(public)
    assert "Your account" not in nav_links(anonymous.get("/placements/"))


def test_a_visitor_with_a_flash_message_sees_it_and_it_is_never_shared(app, client, anonymous):
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Only for this visitor")]
    assert "Only for this visitor" in visible_text(client.get("/"))
    assert "Only for this visitor" not in visible_text(anonymous.get("/"))


def test_head_is_answered_from_the_cache_and_never_leaves_an_empty_page_in_it(app, anonymous):
    placement_id = make_placement(app, title="Head first")
    head = anonymous.head(f"/placements/{placement_id}")
    assert head.status_code == 200 and head.data == b"" and page_cache_entries(app) == 0
    assert "Head first" in visible_text(anonymous.get(f"/placements/{placement_id}"))
    again = anonymous.head(f"/placements/{placement_id}")
    assert again.data == b"" and int(again.headers["Content-Length"]) > 1000 and "ETag" in again.headers


def test_a_visitor_with_any_cookie_gets_a_rendered_compressed_page(app, anonymous):
    make_placement(app)
    anonymous.get("/placements/")
    response = anonymous.get("/placements/", headers={"Cookie": "unrelated=1", "Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and "ETag" not in response.headers
    assert b"Software developer apprentice" in gzip.decompress(response.data)


def test_an_anonymous_page_that_sets_a_cookie_is_never_kept(app, anonymous):
    entries = page_cache_entries(app)
    response = anonymous.get("/sign-in")  # a form: its CSRF token starts a session
    assert "Set-Cookie" in response.headers and page_cache_entries(app) == entries


def test_another_host_header_never_shares_pages_or_links(app, anonymous):
    placement_id = make_placement(app)
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}, {"Host": "localhost"}):
        anonymous.get("/api/v1/placements", headers=headers)
    body = anonymous.get("/api/v1/placements").get_json()
    assert body["links"]["self"].startswith("http://localhost/")
    assert body["items"][0]["url"] == f"http://localhost/placements/{placement_id}"


FILTERS = {
    "q": ["", "developer", "data"],
    "borough": ["", "hackney", "camden"],
    "level": ["", "3", "4"],
    "sort": ["", "wage", "distance"],
    "postcode": ["", "E8", "NW1 0AA"],
    "distance": ["", "5"],
    "page": ["", "2", "abc"],
    "llw": ["", "yes"],
}


def _query(combination: dict) -> str:
    return "&".join(f"{k}={v.replace(' ', '+')}" for k, v in combination.items() if v)


def test_the_cache_never_mixes_filters_or_pages(app, make_app, anonymous):
    """Every combination, asked in a random order twice, gives what the same app gives with no cache at all."""
    app.config["PAGE_SIZE"] = 2
    for n, (borough, outward, standard) in enumerate(
        [
            ("hackney", "E8", "ST0116"),
            ("camden", "NW1", "ST0128"),
            ("hackney", "N1", "ST0118"),
            ("camden", "NW1", "ST0116"),
            ("hackney", "E8", "ST0128"),
        ]
    ):
        make_placement(
            app,
            borough=borough,
            outward=outward,
            standard=standard,
            title=f"Data developer {n}",
            closing_date=TODAY + timedelta(days=10 + n),
        )
    fresh = make_app(PAGE_CACHE_ENABLED=False, PAGE_SIZE=2).test_client(use_cookies=False)
    _compare(anonymous, fresh, random.Random(16))


def _compare(anonymous, fresh, rng) -> None:
    combinations = [dict(zip(FILTERS, values)) for values in itertools.product(*FILTERS.values())]
    queries = [_query(c) for c in rng.sample(combinations, 60)]
    for path in ("/placements/", "/api/v1/placements"):
        expected = {}
        for query in queries:
            response = fresh.get(f"{path}?{query}")
            expected[query] = response.get_json() if path.startswith("/api") else visible_text(response)
        for query in rng.sample(queries, len(queries)) + rng.sample(queries, len(queries)):
            response = anonymous.get(f"{path}?{query}")
            got = response.get_json() if path.startswith("/api") else visible_text(response)
            assert got == expected[query], query


def test_thousands_of_distinct_query_strings_never_grow_the_cache_past_its_limit(app, make_app):
    small = make_app(CACHE_THRESHOLD=50)
    visitor = small.test_client(use_cookies=False)
    for n in range(2500):
        assert visitor.get(f"/?utm_campaign={n}&x={'y' * (n % 7)}").status_code == 200
        assert page_cache_entries(small) <= 51
    assert page_cache_entries(small) >= 40  # it was caching all along, within its limit


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "a" * 5000,
        "q=%ff%fe%00",
        "page=99999999999999999999",
        "q=%E2%80%AE&borough=%00",
        "&".join(f"p{n}=v" for n in range(500)),
        "q=1&q=2&q=3",
        "postcode=" + "%20" * 300,
        "distance=1e309",
    ],
)
def test_huge_or_malformed_query_strings_get_an_answer_not_a_500(app, anonymous, query):
    for path in ("/placements/", "/api/v1/placements", "/"):
        for _ in range(2):
            assert anonymous.get(f"{path}?{query}").status_code in (200, 400)


# --- conditional requests, compression, static assets -----------------------------------------------------------


def test_api_and_placement_pages_answer_conditional_requests(app, anonymous):
    placement_id = make_placement(app)
    for path in ("/api/v1/placements", f"/api/v1/placements/{placement_id}", f"/placements/{placement_id}"):
        first = anonymous.get(path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert first.headers["Cache-Control"] == "public, no-cache"
        unchanged = anonymous.get(path, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
        assert anonymous.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        assert anonymous.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    with app.app_context():
        _db.session.get(Placement, placement_id).title = "A new title"
        _db.session.commit()
    changed = anonymous.get(f"/placements/{placement_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "A new title" in visible_text(changed) and changed.headers["ETag"] != etag


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(
        ["If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"]
    ),
    value=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80),
)
def test_junk_conditional_headers_get_a_normal_answer(app, anonymous, name, value):
    for path in ("/api/v1/placements", "/placements/", "/placements/1"):
        assert anonymous.get(path, headers={name: value}).status_code in (200, 304, 400, 404)
    answer = anonymous.get("/api/v1/placements", headers={name: value})
    assert answer.status_code == 304 or answer.get_json()["total"] == 0


def test_cached_pages_come_compressed_when_the_browser_accepts_it(app, anonymous):
    make_placement(app)
    plain = anonymous.get("/placements/").data
    gz = anonymous.get("/placements/", headers={"Accept-Encoding": "gzip"})
    br = anonymous.get("/placements/", headers={"Accept-Encoding": "gzip, br"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == plain
    assert "Accept-Encoding" in br.headers["Vary"] and len(br.data) < len(plain) / 3
    assert gz.headers["ETag"] != br.headers["ETag"]
    assert "Content-Encoding" not in anonymous.get("/placements/", headers={"Accept-Encoding": "gzip;q=0"}).headers


def test_signed_in_pages_are_compressed_too(client, login_as):
    login_as("candidate")
    response = client.get("/candidates/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and b"Sign out" in gzip.decompress(response.data)


def test_a_cached_page_keeps_one_nonce_in_its_header_and_its_scripts(anonymous):
    for _ in range(2):
        response = anonymous.get("/")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.get_data(as_text=True))
        assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)


def test_static_assets_have_versioned_addresses_kept_for_a_year(app, anonymous):
    html = anonymous.get("/").get_data(as_text=True)
    css = re.search(r'href="(/assets/css/main\.css\?v=[0-9a-f]{12})"', html).group(1)
    with anonymous.get(css, headers={"Accept-Encoding": "br"}) as kept:
        assert kept.status_code == 200 and "immutable" in kept.headers["Cache-Control"]
        assert "max-age=31536000" in kept.headers["Cache-Control"] and kept.headers["Content-Encoding"] == "br"
        with anonymous.get(css) as plain:
            assert brotli.decompress(kept.data) == plain.data and b".govuk-" in plain.data
    with anonymous.get("/assets/css/main.css?v=000000000000") as stale:
        assert "immutable" not in stale.headers.get("Cache-Control", "")
    assert anonymous.get("/assets/../recruit/config.py").status_code == 404


# --- Redis, shared by every server ----------------------------------------------------------------------------------


@pytest.fixture
def redis_config():
    """A Redis cache under a key prefix of this test's own (the Redis is shared); its keys are removed afterwards."""
    import redis

    prefix = f"test-page-cache-{uuid.uuid4().hex}:"
    yield {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CACHE_KEY_PREFIX": prefix,
        "CACHE_DEFAULT_TIMEOUT": 120,
    }
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    for key in connection.scan_iter(match=f"{prefix}*"):
        connection.delete(key)


def test_with_redis_every_server_shares_the_cache_and_its_retirement(app, make_app, redis_config):
    import redis

    servers = [make_app(**redis_config) for _ in range(2)]
    placement_id = make_placement(app, title="Shared before")
    visitors = [server.test_client(use_cookies=False) for server in servers]
    assert "Shared before" in visible_text(visitors[0].get("/placements/"))
    raw_title_change(servers[0], placement_id, "Hidden by the cache")
    assert "Shared before" in visible_text(visitors[1].get("/placements/"))  # the other server's entry
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(connection.scan_iter(match=f"{redis_config['CACHE_KEY_PREFIX']}page:*"))
    assert keys and all(0 < connection.ttl(key) <= 120 for key in keys)  # entries expire: a time limit
    with servers[1].app_context():
        _db.session.get(Placement, placement_id).positions = 2
        _db.session.commit()
        _db.session.remove()
    assert "Hidden by the cache" in visible_text(visitors[0].get("/placements/"))


def test_with_redis_down_pages_are_still_served(app, make_app):
    server = make_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0", CACHE_KEY_PREFIX="unreachable:")
    visitor = server.test_client(use_cookies=False)
    assert visitor.get("/").status_code == 200 and visitor.get("/api/v1/placements").status_code == 200
    assert json.loads(visitor.get("/api/v1/placements").data)["total"] == 0
