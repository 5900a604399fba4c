"""Skills as whole terms (with a synonym table) and placements that put their borough's residents first."""

import dataclasses
import datetime

import pytest

from matching import CandidateProfile, PlacementProfile, Weights, run_matching
from matching.terms import TermTable, statement_terms
from tests.matching.reference_lists import build_lists

DAY = datetime.date(2026, 9, 1)
WEIGHTS = Weights(skills=0.5, interest=0.3, travel=0.2)


def place(id="P1", skills=("secure coding", "object-oriented", "SQL", "git", "agile"), **changes):
    return PlacementProfile(
        id, "ST0116", "digital", 4, 51.5, -0.1, 35, DAY, True, 1, 0, tuple(skills), "Developer", **changes
    )


def person(id="C1", text="", skills=(), **changes):
    base = CandidateProfile(
        id, True, 51.5, -0.1, 10.0, 37, DAY, text, frozenset(), frozenset(), ("P1",), False, skills=tuple(skills)
    )
    return dataclasses.replace(base, **changes)


def explanation(candidate, placement=None, **kw):
    result = run_matching([candidate], [placement or place()], WEIGHTS, seed=1, **kw)
    (pair,) = result.suggestions
    return pair.explanation


def test_words_of_a_term_never_count_on_their_own():
    e = explanation(person(text="I am secure about coding and object design"))
    assert e.matching_terms == ()
    assert len(e.missing_terms) == 5
    assert "0 of its 5 skills" in e.sentence


def test_whole_phrases_in_free_text_and_picked_terms_count_as_the_placement_shows_them():
    e = explanation(person(text="I practised Secure-Coding and Object Oriented design", skills=("sql",)))
    assert e.matching_terms == ("secure coding", "object-oriented", "SQL")  # the placement's own spelling and order
    assert e.missing_terms == ("git", "agile")
    assert "3 of its 5 skills match yours" in e.sentence


def test_synonyms_bring_terms_to_one_spelling():
    e = explanation(person(text="I write OOP and use GitHub"), synonyms={"OOP": "object-oriented", "github": "git"})
    assert e.matching_terms == ("object-oriented", "git")


def test_synonym_chains_resolve_and_loops_are_refused_by_name():
    assert TermTable({"a": "b", "b": "c"}).canonical("A") == "c"
    with pytest.raises(ValueError, match="synonym loop at 'js'"):
        TermTable({"js": "javascript", "javascript": "js"})
    with pytest.raises(ValueError, match="loop at 'excel'"):
        TermTable({"excel": "Excel"})
    with pytest.raises(ValueError, match="empty term"):
        TermTable({"sql": "  "})
    with pytest.raises(ValueError, match="synonym loop"):
        run_matching([person()], [place()], WEIGHTS, seed=1, synonyms={"x": "y", "y": "x"})


def test_statements_map_to_terms_and_unknown_ones_are_named():
    table = {"fixed-a-phone": ("troubleshooting", "customer service"), "patterns": ("statistics",)}
    assert statement_terms(table, ["fixed-a-phone", "patterns"]) == (
        "troubleshooting",
        "customer service",
        "statistics",
    )
    with pytest.raises(ValueError, match="'built-a-rocket'"):
        statement_terms(table, ["built-a-rocket"])


def test_placement_skills_must_be_terms_not_one_string():
    with pytest.raises(ValueError, match="'P9'"):
        PlacementProfile("P9", "ST0116", "digital", 4, 51.5, -0.1, 35, DAY, True, 1, 0, "python sql", "Dev")


def test_residents_first_needs_a_borough_named_by_id():
    with pytest.raises(ValueError, match="placement 'P7' puts residents first but has no borough"):
        place("P7", residents_first=True)


def test_residents_come_first_then_everyone_by_score():
    placement = place(borough="Hackney", residents_first=True)
    strong = person("STRONG", skills=("secure coding", "sql", "git", "agile"), home_borough="Camden")
    resident = person("RESIDENT", home_borough="Hackney")
    weak_resident = person("WEAK", home_borough="Hackney", travel_km=2.0, lat=51.51)
    result = run_matching([strong, resident, weak_resident], [placement], WEIGHTS, seed=3, shortlist_factor=1)
    spec = result.instance()["placements"]["P1"]
    assert spec["ranking"][:2] in (["RESIDENT", "WEAK"], ["WEAK", "RESIDENT"]) and spec["ranking"][2] == "STRONG"
    assert spec["residents_first"] == "Hackney" and spec["residents_ranked_first"] == 2
    assert result.assignment["STRONG"] is None
    (why,) = result.why_not("STRONG")
    assert why.reason_code == "residents_first"
    assert why.text == (
        "This placement considers Hackney residents first, and all its places went to Hackney residents."
    )
    (pair,) = result.suggestions
    assert "this placement considers Hackney residents first and you live there" in pair.explanation.sentence
    # Without the flag the strongest score wins.
    plain = run_matching(
        [strong, resident, weak_resident], [place(borough="Hackney")], WEIGHTS, seed=3, shortlist_factor=1
    )
    assert plain.assignment["STRONG"] == "P1"


def test_rule_reasons_carry_the_deciding_values():
    late = person(available_from=datetime.date(2027, 3, 1))
    (why,) = run_matching([late], [place()], WEIGHTS, seed=1).why_not("C1")
    assert why.reason_code == "starts_too_soon"
    assert why.text.startswith("You can start from 1 March 2027; this placement starts on 1 September 2026.")
    short = person(hours_available=20)
    (why,) = run_matching([short], [place()], WEIGHTS, seed=1).why_not("C1")
    assert why.text.startswith("It needs 35 hours a week; you said you can work 20 hours a week.")


def test_weights_from_settings_name_an_unknown_or_missing_component():
    assert Weights.from_mapping({"skills": 0.5, "interest": 0.3, "travel": 0.2}) == WEIGHTS
    with pytest.raises(ValueError, match="unknown weight 'preference'.*a candidate's own rank is never scored"):
        Weights.from_mapping({"skills": 0.4, "interest": 0.2, "travel": 0.2, "preference": 0.2})
    with pytest.raises(ValueError, match="weight 'travel' is missing"):
        Weights.from_mapping({"skills": 0.5, "interest": 0.5})


def test_the_reference_list_builder_puts_residents_first_like_the_pipeline():
    import matching

    placement = place(borough="Hackney", residents_first=True)
    people = [
        person("A", skills=("sql", "git"), home_borough="Camden"),
        person("B", home_borough="Hackney"),
        person("C", skills=("agile",), home_borough="Hackney"),
    ]
    result = run_matching(people, [placement], WEIGHTS, seed=4, shortlist_factor=1)
    pairs = [
        matching.ScoredPair(c, "P1", {}, float(t))
        for c, t in zip(
            ["A", "B", "C"], [result._lists.total[list(result._lists.candidate).index(i)] for i in range(3)]
        )
    ]
    lists, specs = build_lists(
        pairs,
        {c.id: c.choices for c in people},
        {},
        {"P1": 1},
        seed=4,
        shortlist_factor=1,
        residents={"P1": {"B", "C"}},
    )
    assert specs["P1"]["ranking"] == result.instance()["placements"]["P1"]["ranking"] == ["C", "B", "A"]
