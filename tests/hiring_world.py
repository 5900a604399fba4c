"""One Hackney placement with a suggestion at every hiring stage, and a user of every role, for the tests that post to
every form of the service (tests/test_bad_input.py): made through the real services, as the pages would."""

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from recruit.extensions import db
from recruit.models import Placement, RecruitmentCycle, Suggestion
from tests.factories import make_candidate, make_placement
from tests.matching_data import run

STAGES = ("shortlisted", "interview", "offered", "accepted", "suggested", "also_suggested")


def hiring_world(app, make_user) -> SimpleNamespace:
    """A placement whose suggestions are shortlisted (with a time to book), at interview, offered, accepted and
    suggested (two); its recruiter, a borough staff member, an admin, and a recruitment cycle."""
    from recruit.services import interviews, offers
    from recruit.services.matching import decide

    placement_id = make_placement(app, title="Junior developer apprentice (Housing repairs)", positions=len(STAGES))
    people = [make_candidate(app, make_user, [placement_id]) for _ in STAGES]
    recruiter = make_user("recruiter", "hackney")
    match_run = run(app)
    suggestions = {m.candidate_id: m.id for m in match_run.suggestions}
    suggestion_ids = dict(zip(STAGES, (suggestions[person.id] for person in people)))
    with app.test_request_context():
        placement = db.session.get_one(Placement, placement_id)
        day = datetime.now(interviews.LONDON).date() + timedelta(days=3)
        slot = interviews.create_slot(
            placement,
            interviews.NewSlot(
                day=day,
                start=time(10, 0),
                minutes=45,
                place="Hackney Town Hall",
                video_link="",
                capacity=len(STAGES),
                interviewer_ids=[recruiter.id],
            ),
            recruiter.id,
        )
        for stage in ("shortlisted", "interview", "offered", "accepted"):
            suggestion = db.session.get_one(Suggestion, suggestion_ids[stage])
            decide(suggestion, "shortlist", suggestion.version, recruiter.id)
            if stage != "shortlisted":
                interviews.book(suggestion, slot.id, suggestion.candidate.user_id)
            if stage in ("offered", "accepted"):
                offers.make_offer(
                    suggestion, suggestion.version, recruiter.id, offers.default_terms(suggestion, "Sam Patel")
                )
            if stage == "accepted":
                offers.accept(suggestion, suggestion.candidate.user_id)
        cycle = RecruitmentCycle(
            name="2030 to 2031", opens_on=date(2030, 9, 1), closes_on=date(2031, 8, 31), target=100
        )
        db.session.add(cycle)
        db.session.commit()
        cycle_id, slot_id = cycle.id, slot.id
    return SimpleNamespace(
        placement=placement_id,
        slot=slot_id,
        cycle=cycle_id,
        run=match_run.id,
        suggestion=suggestion_ids,
        recruiter=recruiter,
        candidate={stage: person for stage, person in zip(STAGES, people)},
        staff=make_user("borough_staff", "hackney"),
        admin=make_user("admin", None),
        analyst=make_user("analyst", None),
    )
