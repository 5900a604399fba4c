"""What happens next, and by when, for the application and for each suggestion, in the candidate's words.

One sentence set per state. A stage added later (for example a booked interview) gets its words by adding an entry
to SUGGESTION_STEPS; until then it reads the fallback, which is true of every stage."""

from dataclasses import dataclass

from ..templating import long_date


@dataclass(frozen=True)
class Step:
    state: str  # the state's name in the glossary's words, e.g. "Shortlisted"
    text: str


# Keyed by the stage stored on a suggestion; {borough}, {starts} and {title} are filled in from the placement.
SUGGESTION_STEPS = {
    "suggested": "A recruiter at {borough} will look at your application and decide whether to shortlist you "
                 "(pick you to go on to the next step). "
                 "We will email you when they decide. The placement starts on {starts}.",
    "shortlisted": "A recruiter at {borough} will contact you to invite you to an interview. "
                   "Look out for an email or a phone call. The placement starts on {starts}.",
    "interview": "A recruiter at {borough} will contact you to agree a time for your interview. "
                 "If you need any changes to the interview, tell them. The placement starts on {starts}.",
    "offered": "{borough} has offered you this placement. A recruiter will contact you to ask for your answer "
               "and to agree your start date. The placement starts on {starts}.",
    "accepted": "You have accepted this placement. It starts on {starts}. {borough} will contact you before then "
                "about your first day.",
    "rejected": "This placement has gone to someone else. Read the feedback below. "
                "It does not change your other suggestions.",
    "withdrawn": "You are no longer being considered for this placement.",
    "closed": "This placement is now full, so it has closed. It does not change your other suggestions.",
}
FALLBACK = "We will email you when anything changes. The placement starts on {starts}."


def for_suggestion(match) -> str:
    """What happens next for one suggestion."""
    vacancy = match.vacancy
    return SUGGESTION_STEPS.get(match.stage, FALLBACK).format(
        borough=vacancy.borough.name, starts=long_date(vacancy.start_date), title=vacancy.title)


def for_application(candidate, matches, eligible: bool, round_has_run: bool) -> Step:
    """The application's state and what happens next, before any suggestion (or when there are none)."""
    closing = sorted(p.vacancy.closing_date for p in candidate.preferences)
    if candidate.status == "withdrawn":
        return Step("Withdrawn", "You withdrew your application, so recruiters are no longer considering you. "
                                 "You cannot send another application in this round.")
    if candidate.status == "draft" and not eligible:
        return Step("Not applied", "Check you can apply, then fill in your application and choose your placements.")
    if candidate.status == "draft":
        by = (f" Send it before {long_date(closing[0])}, when the first of your chosen placements closes." if closing
              else " Choose at least one placement, then send your application before it closes.")
        return Step("Not sent yet", "Complete every section, check your answers and send your application. "
                                    "Your answers are saved as you go." + by)
    if matches:
        return Step("Suggested", "We have suggested you for the placements on this page. Each one says what happens next.")
    if round_has_run:
        return Step("Not matched", "We could not suggest you for any placement this time. This can happen when "
                                   "placements are full or too far away. We will look again if places are left, "
                                   "and email you if we suggest you.")
    by = f" The last of your chosen placements closes on {long_date(closing[-1])}." if closing else ""
    return Step("Sent", "When applications close, we suggest candidates for each placement. A recruiter at the borough "
                        "then looks at each suggestion. We will email you when we suggest you." + by)
