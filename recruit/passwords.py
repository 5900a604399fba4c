"""Password hashing (argon2) and the rules a new password must meet."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128
_hasher = PasswordHasher()

# Passwords seen most often in breaches, at or over the minimum length; checked case-insensitively.
COMMON_PASSWORDS = frozenset(
    """
    password1234 password12345 password123456 passwordpassword 123456789012 1234567890123 12345678901234
    123123123123 111111111111 000000000000 qwertyuiopas qwerty123456 qwertyuiop12 qwertyuiop123 1q2w3e4r5t6y
    1qaz2wsx3edc zaq12wsxcde3 iloveyou1234 letmein12345 welcome12345 welcome123456 administrator
    abc123456789 abcdefghijkl abcd12345678 football1234 baseball1234 sunshine1234 princess1234 monkey123456
    dragon123456 trustno12345 superman1234 starwars1234 computer1234 changeme1234 london123456 londonlondon
    arsenal12345 chelsea12345 liverpool123 tottenham123 manchester12 apprenticeship apprenticeship1 passw0rd1234
    p@ssword1234 p@ssw0rd1234 mypassword12 mypassword123 secretpassword opensesame12 123qweasdzxc qazwsxedcrfv
    """.split()
)


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
    """Return a GOV.UK-style message if the password is not good enough, else None."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if (
        lowered in COMMON_PASSWORDS
        or len(set(lowered)) <= 2
        or re.fullmatch(r"(?:password|qwerty|letmein|welcome|admin)\W*\d*\W*", lowered)
        or _is_sequence(lowered)
        or (len(local_part) >= 4 and local_part in lowered and len(lowered) - len(local_part) < 6)
    ):
        return "Choose a password that is harder to guess"
    return None


def _is_sequence(text: str) -> bool:
    """True for runs like 123456789012 or abcdefghijkl that are easy to guess."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return len(steps) == 1 and steps <= {1, -1}
