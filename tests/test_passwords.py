"""Passwords people can't guess: zxcvbn's estimate with its shipped lists (30,000 common passwords, names,
words, dates, keyboard patterns), the person's own email, and words about this service."""

import time

import pytest
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from recruit.passwords import MAX_LENGTH, WEAK_MESSAGE, password_problem
from tests.page_checks import visible_words

COMMON = FREQUENCY_LISTS["passwords"]


def test_the_shipped_list_has_at_least_ten_thousand_common_passwords():
    assert len(COMMON) >= 10_000


@pytest.mark.parametrize(
    "password",
    [
        "football2024",
        "Summer2024!!",
        "Passw0rd2024!",
        "password1234",
        "123456789012",
        "aaaaaaaaaaaaaa",
        "qwertyuiop123",
        "London2024!!",
        "apprenticeship1",
    ],
)
def test_passwords_the_audit_found_accepted_are_refused(password):
    assert password_problem(password) == WEAK_MESSAGE


def test_every_common_password_long_enough_to_be_allowed_is_refused():
    long_enough = [p for p in COMMON if len(p) >= 12]
    assert len(long_enough) > 200 and [p for p in long_enough if password_problem(p)] == long_enough


def test_common_passwords_with_a_year_or_a_capital_and_digits_are_refused():
    top = COMMON[:500]
    variants = [p + "2025!" for p in top if len(p) >= 7] + [p.capitalize() + "1234!" for p in top if len(p) >= 7]
    assert len(variants) > 300
    assert [v for v in variants if password_problem(v) is None] == []


def test_a_password_built_on_the_persons_email_is_refused():
    assert password_problem("amaraokafor2024", "amara.okafor@example.com") == WEAK_MESSAGE
    assert password_problem("tangerine-bicycle-harbour", "amara.okafor@example.com") is None


@pytest.mark.parametrize(
    "password", ["tangerine-bicycle-harbour", "purple monkey dishwasher", "correct-horse-battery-staple"]
)
def test_three_random_words_are_accepted(password):
    assert password_problem(password) is None


def test_very_long_passwords_are_judged_quickly_and_limited():
    started = time.perf_counter()
    assert password_problem("a" * MAX_LENGTH) == WEAK_MESSAGE
    assert password_problem("tangerine bicycle harbour " * 4) is None
    assert time.perf_counter() - started < 2
    assert password_problem("x" * (MAX_LENGTH + 1)) == f"Password must be {MAX_LENGTH} characters or fewer"


def test_the_hint_suggests_three_random_words_and_the_error_says_why(client):
    page = visible_words(client.get("/register").get_data(as_text=True))
    assert "Three random words together, with spaces or dashes between them, make a strong password" in page
    client.application.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/register", data={"email": "sam@example.com", "password": "Summer2024!!"})
    page = visible_words(response.get_data(as_text=True))
    assert "There is a problem" in page and WEAK_MESSAGE in page
