"""The eligibility questions asked before anything else, one per page, and what each answer means."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from ...audit import record_event
from ...extensions import db
from ...models import Candidate

NATIONAL_CAREERS_SERVICE = "https://nationalcareers.service.gov.uk/"
FIND_YOUR_COUNCIL = "https://www.gov.uk/find-local-council"
PROVE_RIGHT_TO_WORK = "https://www.gov.uk/prove-right-to-work"


@dataclass(frozen=True)
class Question:
    key: str
    stored_as: str  # the key kept on Candidate.eligibility (True means this rule is met)
    question: str
    hint: str
    options: tuple[tuple[str, str], ...]
    passes: frozenset[str]
    required_message: str
    reason: str  # why an ineligible answer stops the application, in plain words
    advice: str = ""
    extra_links: tuple[tuple[str, str], ...] = field(default_factory=tuple)


QUESTIONS: tuple[Question, ...] = (
    Question(
        key="age",
        stored_as="age",
        question="Will you be 16 or older when the apprenticeship starts?",
        hint="Most placements start in September. You can apply before your 16th birthday if you will be 16 by then.",
        options=(("yes", "Yes"), ("no", "No")),
        passes=frozenset({"yes"}),
        required_message="Select yes if you will be 16 or older when the apprenticeship starts",
        reason="You need to be 16 or older to start an apprenticeship.",
        advice="You can come back and apply in the year you turn 16.",
    ),
    Question(
        key="left_school",
        stored_as="left_school",
        question="Have you left school, or will you have left by the time the apprenticeship starts?",
        hint="In England you can leave school on the last Friday in June of the school year you turn 16.",
        options=(("yes", "Yes"), ("no", "No, I will still be at school")),
        passes=frozenset({"yes"}),
        required_message="Select yes if you have left school or will have left by the start date",
        reason="You need to have left school to start an apprenticeship.",
        advice="You can apply in your last year at school, for a placement that starts after you leave.",
    ),
    Question(
        key="right_to_work",
        stored_as="right_to_work",
        question="Do you have the right to work in the UK?",
        hint="For example, you are a British or Irish citizen, you have settled or pre-settled status, "
        "or you have a visa that lets you work here.",
        options=(("yes", "Yes"), ("no", "No"), ("not_sure", "I am not sure")),
        passes=frozenset({"yes"}),
        required_message="Select yes if you have the right to work in the UK",
        reason="Every apprentice needs the right to work in the UK, because an apprenticeship is a paid job.",
        advice="If you are not sure, you can check your right to work online. You can come back and apply once you know.",
        extra_links=(("Check your right to work in the UK", PROVE_RIGHT_TO_WORK),),
    ),
    Question(
        key="residence",
        stored_as="residence",
        question="Have you lived in the UK for the last 3 years?",
        hint="Some people can still apply if they have not. For example, refugees, and people with settled or "
        "pre-settled status. Their families can too.",
        options=(
            ("yes", "Yes"),
            (
                "exception",
                "No, but I am a refugee, or I have humanitarian protection, or settled or pre-settled "
                "status. Or I am in the family of someone who is",
            ),
            ("no", "No, none of these apply to me"),
        ),
        passes=frozenset({"yes", "exception"}),
        required_message="Select whether you have lived in the UK for the last 3 years",
        reason="Government-funded apprenticeships are for people who have lived in the UK for the last 3 years, "
        "apart from the exceptions on the previous page.",
        advice="If you think one of the exceptions might apply to you, the National Careers Service can help you check.",
    ),
    Question(
        key="full_time_education",
        stored_as="not_in_full_time_education",
        question="Are you in full-time education?",
        hint="For example, full time at sixth form, college or university. Part-time and evening courses do not count.",
        options=(("yes", "Yes"), ("no", "No")),
        passes=frozenset({"no"}),
        required_message="Select yes if you are in full-time education",
        reason="An apprenticeship is a full-time job with training, so you cannot do one while in full-time education.",
        advice="You can apply for a placement that starts after your course ends.",
    ),
    Question(
        key="apprenticeship",
        stored_as="not_on_apprenticeship",
        question="Are you already doing an apprenticeship?",
        hint="",
        options=(("yes", "Yes"), ("no", "No")),
        passes=frozenset({"no"}),
        required_message="Select yes if you are already doing an apprenticeship",
        reason="You can only do one apprenticeship at a time.",
        advice="You can apply once your current apprenticeship has finished.",
    ),
)
QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}


def question(key: str) -> Question | None:
    """The question with this key, or None."""
    return QUESTIONS_BY_KEY.get(key)


def next_step(answers: Mapping[str, str]) -> tuple[str, str | None]:
    """Where the journey goes with these answers: ("question", key), ("ineligible", key) or ("eligible", None)."""
    for q in QUESTIONS:
        answer = answers.get(q.key)
        if answer not in dict(q.options):
            return "question", q.key
        if answer not in q.passes:
            return "ineligible", q.key
    return "eligible", None


def step_after(key: str, answers: Mapping[str, str]) -> tuple[str, str | None]:
    """Where to go after answering `key`: its "cannot apply" page, else the next question in order (even one answered
    before, so going through again shows every question), else the result of all the answers."""
    q = QUESTIONS_BY_KEY[key]
    if answers.get(key) not in q.passes:
        return "ineligible", key
    keys = [question.key for question in QUESTIONS]
    index = keys.index(key)
    if index + 1 < len(keys):
        return "question", keys[index + 1]
    return next_step(answers)


def previous_question(key: str) -> str | None:
    """The key of the question before this one (for the back link), or None for the first."""
    keys = [q.key for q in QUESTIONS]
    index = keys.index(key)
    return keys[index - 1] if index > 0 else None


def as_record(answers: Mapping[str, str]) -> dict[str, bool | str]:
    """What Candidate.eligibility keeps: one True/False per rule, plus the exception flag and the date checked."""
    record: dict[str, bool | str] = {q.stored_as: answers.get(q.key) in q.passes for q in QUESTIONS}
    record["residence_exception"] = answers.get("residence") == "exception"
    record["checked_on"] = date.today().isoformat()
    return record


class HasEligibility(Protocol):
    """A candidate, or a row of a candidate's columns (a match run reads rows)."""

    @property
    def eligibility(self) -> Mapping[str, Any] | None: ...


def is_eligible(candidate: HasEligibility) -> bool:
    """True when the candidate's stored answers meet every rule."""
    stored = candidate.eligibility or {}
    return all(stored.get(q.stored_as) is True for q in QUESTIONS)


def adopt(candidate: Candidate, answers: Mapping[str, str] | None, campaign_code: str | None) -> bool:
    """Keep the answers given before signing in (and the campaign code) on the candidate; True if anything changed."""
    changed = False
    if answers and next_step(answers)[0] == "eligible" and not is_eligible(candidate):
        candidate.eligibility = as_record(answers)
        record_event("candidate.eligibility_checked", candidate)
        changed = True
    if campaign_code and not candidate.campaign_code and candidate.submitted_at is None:
        candidate.campaign_code = campaign_code
        changed = True
    if changed:
        db.session.commit()
    return changed
