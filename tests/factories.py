"""The one place tests create rows: users, placements, eligible and submitted candidates, recruitment cycles.

Each maker has one set of defaults, a complete and ordinary record (a live Hackney placement; a candidate near
Hackney with a sent application), so a test names only what it is about."""

import itertools
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from recruit.extensions import db
from recruit.models import (
    ApplicationStatus,
    Borough,
    Candidate,
    Choice,
    MatchRun,
    Placement,
    PlacementStatus,
    RecruitmentCycle,
    Role,
    RunStatus,
    Standard,
    Suggestion,
    User,
    utcnow,
)

TEST_TOTP_SECRET = "TESTSECRETFORTHESUITEONLY2345672"  # every staff user made by make_user has this second factor
ELIGIBILITY_RECORD = {
    "age": True,
    "left_school": True,
    "right_to_work": True,
    "residence": True,
    "not_in_full_time_education": True,
    "not_on_apprenticeship": True,
}
START = date.today() + timedelta(days=60)  # every placement's start date unless a test gives one

NAMES = itertools.cycle(
    f"{first} {last}"
    for last in (
        "Okonkwo-Lindqvist",
        "Marchetti-Abara",
        "Vasquez-Holm",
        "Adeyemi-Strand",
        "Kowalczyk-Nakamura",
        "Oyelaran-Fitzgerald",
    )
    for first in ("Thaddeus", "Ottoline", "Barnaby", "Perpetua", "Evander", "Clementine")
)


def user_maker(app, password_hash: str):
    """A make_user(role, borough, email, **fields) for this app: creates a signed-up user (staff with a second factor,
    candidates with an empty application) and returns a plain record of them."""
    counter = itertools.count(1)

    def make_user(
        role: str | Role = Role.CANDIDATE, borough: str | None = "hackney", email: str | None = None, **fields
    ):
        """Create a user of `role` (in `borough`, for staff); returns their ids, email and role."""
        role = Role(role)
        with app.app_context():
            borough_row = (
                db.session.scalar(db.select(Borough).where(Borough.slug == borough)) if role.needs_borough else None
            )
            if role != Role.CANDIDATE:
                fields = {"totp_secret": TEST_TOTP_SECRET, "totp_enabled_at": utcnow(), **fields}
            user = User(
                email=email or f"{role.value}{next(counter)}@test.example",
                password_hash=password_hash,
                role=role.value,
                borough=borough_row,
                email_confirmed_at=utcnow(),
                **fields,
            )
            if role == Role.CANDIDATE:
                user.candidate = Candidate()
            db.session.add(user)
            db.session.commit()
            return SimpleNamespace(
                id=user.id,
                email=user.email,
                role=user.role,
                borough_id=user.borough_id,
                borough_slug=borough if borough_row else None,
                candidate_id=user.candidate.id if user.candidate else None,
            )

    return make_user


def make_placement(
    app, borough="hackney", standard="ST0116", outward="E8", status=PlacementStatus.LIVE.value, title=None, **fields
) -> int:
    """Insert a placement directly (staff publishing one is tested in test_staff.py), located at the centre of
    `outward`; returns its id."""
    with app.app_context():
        placement = add_placement(borough, standard, outward, status, title, **fields)
        db.session.commit()
        return placement.id


def add_placement(
    borough="hackney", standard="ST0116", outward="E8", status=PlacementStatus.LIVE.value, title=None, **fields
) -> Placement:
    """make_placement's row, added to the session of the app context already open (flushed, not committed), for
    fixtures that build many rows in one go."""
    from recruit.postcodes import lookup_outward

    area = lookup_outward(outward)
    assert area is not None, f"{outward} is not a London outward code"
    borough_row = db.session.scalar(db.select(Borough).where(Borough.slug == borough))
    standard_row = db.session.scalar(db.select(Standard).where(Standard.reference == standard))
    values = dict(
        title=title or f"{standard_row.title} apprentice in {borough_row.name}",
        description="Build services for residents.",
        skills=["git"],
        skills_text="",
        wage_amount=Decimal("10.00"),
        wage_unit="hour",
        hourly_wage=Decimal("10.00"),
        hours_per_week=35,
        positions=1,
        start_date=START,
        closing_date=date.today() + timedelta(days=30),
        workplace_outward=area.outward,
        lat=area.lat,
        lon=area.lon,
        training_provider="City College",
        adjustments_contact="jobs@hackney.example",
        status=status,
    )
    values.update(fields)
    placement = Placement(borough=borough_row, standard=standard_row, **values)
    db.session.add(placement)
    db.session.flush()
    return placement


def make_eligible(app, candidate_id: int, **fields) -> None:
    """Give a candidate eligible answers (and any other fields) directly."""
    with app.app_context():
        candidate = db.session.get_one(Candidate, candidate_id)
        candidate.eligibility = dict(ELIGIBILITY_RECORD)
        for name, value in fields.items():
            setattr(candidate, name, value)
        db.session.commit()


def make_candidate(app, make_user, choices=(), *, status=ApplicationStatus.SUBMITTED.value, **fields):
    """A candidate near Hackney with a complete, sent application ranking `choices` (placement ids)."""
    first, last = next(NAMES).split(" ")
    user = make_user("candidate")
    values = dict(
        status=status,
        first_name=first,
        last_name=last,
        phone="07700 900 123",
        date_of_birth=date(2006, 5, 17),
        outward_postcode="E8",
        lat=51.546,
        lon=-0.056,
        travel_km=10,
        hours_per_week=37,
        available_from=date.today(),
        eligibility=dict(ELIGIBILITY_RECORD),
        skills=["Python", "SQL", "git"],
        skills_text="I fixed bugs in a small web app and wrote unit tests",
        interests=["ST0116"],
        qualifications={"highest_level": 3, "english_maths": "both", "digital": "no"},
        consider_other_placements=False,
        interview_adjustments="Questions in advance, please",
        submitted_at=utcnow() if status != ApplicationStatus.DRAFT.value else None,
    )
    values.update(fields)
    with app.app_context():
        candidate = db.session.get(Candidate, user.candidate_id)
        for name, value in values.items():
            setattr(candidate, name, value)
        for rank, placement_id in enumerate(choices, start=1):
            db.session.add(Choice(candidate_id=candidate.id, placement_id=placement_id, rank=rank))
        db.session.commit()
        return SimpleNamespace(id=candidate.id, user_id=user.id, email=user.email, first_name=first, last_name=last)


def make_cycle(app, name=None, opens=None, closes=None, target=100) -> int:
    """A recruitment cycle, by default opening today for a year (later runs belong to it); returns its id."""
    opens = opens or date.today()
    with app.app_context():
        cycle = RecruitmentCycle(
            name=name or f"Cycle {utcnow().timestamp()}",
            opens_on=opens,
            closes_on=closes or opens.replace(year=opens.year + 1),
            target=target,
        )
        db.session.add(cycle)
        db.session.commit()
        return cycle.id


def make_published_suggestion(app, candidate_id: int, stage: str, feedback=None, borough="newham") -> int:
    """A new placement suggested to the candidate at `stage` in a published run of the current cycle (candidates see
    only published runs' suggestions); returns the placement's id."""
    placement_id = make_placement(app, title="Data apprentice", borough=borough)
    add_suggestion(app, candidate_id, placement_id, stage, sentence="You know Excel.", feedback=feedback)
    return placement_id


def add_suggestion(
    app,
    candidate_id: int,
    placement_id: int,
    stage="suggested",
    sentence="You chose it and you know SQL.",
    feedback=None,
) -> int:
    """The placement suggested to the candidate at `stage`, in a run of its own published in the current cycle;
    returns the suggestion's id."""
    from recruit.services.cycles import current_cycle_id

    with app.app_context():
        run = MatchRun(
            round=1,
            algorithm_version="test",
            weights={},
            seed=1,
            input_hash="x" * 64,
            status=RunStatus.PUBLISHED.value,
            published_at=utcnow(),
            cycle_id=current_cycle_id(),
        )
        db.session.add(run)
        db.session.flush()
        suggestion = Suggestion(
            run_id=run.id,
            candidate_id=candidate_id,
            placement_id=placement_id,
            score=0.8,
            components={},
            explanation={"sentence": sentence},
            stage=stage,
            feedback=feedback,
        )
        db.session.add(suggestion)
        db.session.commit()
        return suggestion.id
