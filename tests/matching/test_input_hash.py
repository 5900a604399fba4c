"""input_hash: the faster column-wise serialisation gives the same digest as the plain definition."""

import dataclasses
import datetime
import hashlib
import json

import matching
from matching import Weights
from matching.pipeline import ALGORITHM_VERSION, input_hash
from matching.types import CandidateProfile, PlacementProfile


def reference_hash(candidates, placements, weights, **settings):
    """The definition in docs/matching.md, one field at a time."""

    def row(item):
        out = []
        for name in item.__dataclass_fields__:
            value = getattr(item, name)
            if isinstance(value, (set, frozenset)):
                value = sorted(value, key=repr)
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            out.append(value)
        return out

    head = {
        "algorithm": ALGORITHM_VERSION,
        "weights": weights.as_dict(),
        "settings": settings,
        "candidate_fields": list(CandidateProfile.__dataclass_fields__),
        "placement_fields": list(PlacementProfile.__dataclass_fields__),
    }
    rows = [row(c) for c in sorted(candidates, key=lambda c: c.id)]
    rows += [row(p) for p in sorted(placements, key=lambda p: p.id)]
    return hashlib.sha256(json.dumps([head, rows], sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_input_hash_matches_the_plain_definition():
    candidates, placements, _ = matching.worked_example()
    candidates = list(candidates) + [
        dataclasses.replace(
            candidates[0],
            id="Z9",
            interests=frozenset({"ST0118", "ST0116", "ST0119"}),
            qualified=frozenset({("data", 3), ("software", 2)}),
            lat=None,
            lottery=0.5,
        )
    ]
    weights = Weights(0.5, 0.3, 0.2)
    settings = {"seed": 7, "shortlist_factor": 3, "max_list_length": 10}
    assert input_hash(candidates, placements, weights, **settings) == reference_hash(
        candidates, placements, weights, **settings
    )
    assert input_hash(candidates[::-1], placements, weights, **settings) == input_hash(
        candidates, placements, weights, **settings
    )
