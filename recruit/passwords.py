"""Password hashing (argon2) and the rules a new password must meet."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn's score 4 means at least 10^10 guesses: out of reach of an online attacker and costly offline against
# argon2. Lower scores let through passwords like "Summer2024!!" (a season, a year and symbols).
MIN_SCORE = 4
ZXCVBN_MAX_LENGTH = 72
# Words anyone would try first against this service.
SERVICE_WORDS = [
    "london",
    "digital",
    "apprenticeship",
    "apprenticeships",
    "apprentice",
    "borough",
    "recruit",
    "hackney",
]
_hasher = PasswordHasher()

WEAK_MESSAGE = "Choose a password that is harder to guess, like three random words"


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash, without raising."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Return a GOV.UK-style message if the password is not good enough, else None.

    zxcvbn estimates how many guesses a password takes, knowing its own lists of common passwords (30,000 of them),
    names, English words, keyboard patterns, dates, sequences and l33t substitutions, and the person's email."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    personal = [part for part in re.split(r"[@._+-]", email.lower()) if len(part) >= 3]
    # zxcvbn reads at most 72 characters; judging a longer password by its start only ever under-rates it.
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=personal + SERVICE_WORDS)["score"] < MIN_SCORE:
        return WEAK_MESSAGE
    return None
