"""Equality monitoring storage: answers live under a keyed pseudonym, apart from everything else."""

import hashlib
import hmac

from flask import current_app


def pseudonym(candidate_id: int) -> str:
    """HMAC-SHA256 of the candidate id under MONITORING_KEY: stable, but unlinkable without the key."""
    key = current_app.config["MONITORING_KEY"].encode()
    return hmac.new(key, f"candidate:{candidate_id}".encode(), hashlib.sha256).hexdigest()


def age_band(date_of_birth, on) -> str:
    """The monitoring age band (16_18, 19_24, 25_34, 35_plus) on a given date, derived, never asked."""
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    if age <= 18:
        return "16_18"
    if age <= 24:
        return "19_24"
    if age <= 34:
        return "25_34"
    return "35_plus"
