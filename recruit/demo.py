"""Synthetic demo data: staff for a few boroughs, live placements and clearly fictional candidates."""

import random
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, select

from .extensions import db
from .models import (
    ApplicationStatus,
    Borough,
    BoroughTarget,
    Candidate,
    Choice,
    MonitoringResponse,
    Placement,
    PlacementStatus,
    RecruitmentCycle,
    Role,
    Standard,
    Suggestion,
    User,
    utcnow,
)
from .passwords import hash_password
from .postcodes import outward_areas
from .reference import equality_questions
from .services.candidates.skills import statements
from .services.monitoring import pseudonym
from .services.second_factor import DEMO_SECRET

DEMO_BOROUGHS = ("hackney", "camden", "lambeth", "newham", "croydon")
DEMO_STAFF_PASSWORD = "demo-staff-password-2026"
DEMO_CANDIDATE_PASSWORD = "demo-candidate-password-2026"
DEMO_DOMAIN = "demo.example"

FIRST_NAMES = [
    "Amara",
    "Kwame",
    "Priya",
    "Tomasz",
    "Aisha",
    "Oluwaseun",
    "Mei",
    "Callum",
    "Fatima",
    "Joao",
    "Zainab",
    "Dmitri",
    "Chloe",
    "Ibrahim",
    "Niamh",
    "Kofi",
    "Sana",
    "Mateus",
    "Leah",
    "Yusuf",
    "Anjali",
    "Deshawn",
    "Hana",
    "Rory",
    "Abdi",
    "Ewa",
    "Tariq",
    "Grace",
    "Emeka",
    "Sofia",
    "Jamal",
    "Lin",
    "Kemi",
    "Arjun",
    "Isla",
    "Bilal",
    "Marta",
    "Chidi",
    "Noor",
    "Reuben",
    "Ayesha",
    "Tyrone",
    "Yara",
    "Kiran",
    "Olu",
    "Ines",
    "Hamza",
    "Ruby",
    "Samir",
]
LAST_NAMES = [
    "Okafor",
    "Begum",
    "Nowak",
    "Mensah",
    "Patel",
    "Campbell",
    "Ahmed",
    "Silva",
    "Chen",
    "O'Brien",
    "Hussain",
    "Kowalski",
    "Adeyemi",
    "Khan",
    "Murphy",
    "Osei",
    "Rahman",
    "Costa",
    "Williams",
    "Ali",
    "Nguyen",
    "Brown",
    "Mohamed",
    "Singh",
    "Clarke",
    "Yilmaz",
    "Asante",
    "Ferreira",
    "Islam",
    "Walker",
    "Haddad",
    "Evans",
]
SKILL_PHRASES = [
    "I built a website for my cousin's cake shop using HTML and CSS",
    "I fix laptops and phones for neighbours and set up home Wi-Fi",
    "I made a spreadsheet with charts to track my football team's results",
    "I taught myself Python and wrote a small game",
    "I volunteer at the library helping older people use Microsoft 365 and email",
    "I run the social media for a community group and write posts and content",
    "I did a course on cyber security and learned about firewalls and passwords",
    "I used SQL queries on a college project about bus journeys",
    "I like solving problems and troubleshooting when something breaks",
    "I tested apps for bugs as a volunteer and wrote up the defects",
    "I made dashboards in Excel for my part-time job at a shop",
    "I set up a Raspberry Pi network and learned about routing and switching",
]
CHANNELS = [
    "school_college",
    "jobcentre",
    "social_media",
    "friend_family",
    "borough_website",
    "community_group",
    "careers_fair",
]


def seed_demo(seed: int = 2026) -> dict:
    """Create the demo world once; running it again changes nothing."""
    if current_app.config["PRODUCTION"]:
        raise RuntimeError("Demo data is never created in production")
    if db.session.scalar(select(User).where(User.email == f"admin@{DEMO_DOMAIN}")):
        return {"created": False, **_sign_ins()}
    rng = random.Random(seed)
    boroughs = {b.slug: b for b in db.session.scalars(select(Borough))}
    standards = list(db.session.scalars(select(Standard).order_by(Standard.reference)))
    if not boroughs or not standards:
        raise RuntimeError("Run `flask seed reference` first")
    staff_hash = hash_password(DEMO_STAFF_PASSWORD)
    # Every demo staff account shares the documented demo second-factor secret; production refuses it.
    demo_factor = {"totp_secret": DEMO_SECRET, "totp_enabled_at": utcnow()}
    db.session.add(
        User(
            email=f"admin@{DEMO_DOMAIN}",
            password_hash=staff_hash,
            role=Role.ADMIN.value,
            email_confirmed_at=utcnow(),
            **demo_factor,
        )
    )
    db.session.add(
        User(
            email=f"analyst@{DEMO_DOMAIN}",
            password_hash=staff_hash,
            role=Role.ANALYST.value,
            email_confirmed_at=utcnow(),
            **demo_factor,
        )
    )
    for slug in DEMO_BOROUGHS:
        for role in (Role.BOROUGH_STAFF, Role.RECRUITER):
            db.session.add(
                User(
                    email=f"{role.value.replace('_', '-')}.{slug}@{DEMO_DOMAIN}",
                    password_hash=staff_hash,
                    role=role.value,
                    borough=boroughs[slug],
                    email_confirmed_at=utcnow(),
                    **demo_factor,
                )
            )
    areas_by_borough: dict[str, list] = {}
    for area in outward_areas().values():
        if area.in_london:
            areas_by_borough.setdefault(area.borough_ons, []).append(area)
    today = date.today()
    cycle = RecruitmentCycle(
        name=f"{today.year} to {today.year + 1}",
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=300),
        target=100,
    )
    db.session.add(cycle)
    db.session.flush()
    for slug in DEMO_BOROUGHS:  # each demo borough aims for its share of the London-wide target
        db.session.add(BoroughTarget(cycle_id=cycle.id, borough_id=boroughs[slug].id, target=20))
    placements = _demo_placements(
        rng,
        cycle,
        [boroughs[s] for s in DEMO_BOROUGHS] + rng.sample(list(boroughs.values()), 6),
        standards,
        areas_by_borough,
    )
    candidates = _demo_candidates(rng, standards, placements, list(boroughs.values()), areas_by_borough)
    db.session.commit()
    run = demo_round_one(seed)
    showcase = _demo_stages(candidates)
    return {
        "created": True,
        "placements": len(placements),
        "candidates": len(candidates),
        "run": run,
        "showcase": showcase,
        **_sign_ins(),
    }


def demo_round_one(seed: int):
    """Round 1 over the demo data, computed and published, so every role sees suggestions at once."""
    from .models import OutboxEmail
    from .services.matching import publish_run, run_match

    run, _ = publish_run(run_match(1, seed).id, None)
    # The demo people are fictional: the round's emails to them would only bury `make run`'s output.
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.recipient.like(f"%@{DEMO_DOMAIN}")))
    db.session.commit()
    return run


# The demo candidates who show each stage, in this order, become candidate1@, candidate2@ …
SHOWCASE = (
    ("suggested", "Suggested for a placement, waiting for the recruiter"),
    ("shortlisted", "Shortlisted"),
    ("interview", "Invited to an interview"),
    ("offered", "Offered a placement"),
    ("accepted", "Accepted an offer"),
    ("rejected", "Not successful, with feedback"),
    ("withdrawn", "Withdrew their application"),
    ("not_matched", "Sent an application but not suggested for any placement"),
    ("draft", "Has not sent their application yet"),
)


# What a recruiter (and then the candidate) does to show each stage on a demo candidate's dashboard.
_DEMO_STEPS: dict[str, list[str]] = {
    "suggested": [],
    "shortlisted": ["shortlist"],
    "interview": ["shortlist", "interview"],
    "offered": ["shortlist", "interview", "offer"],
    "accepted": ["shortlist", "interview", "offer", "accept"],
    "rejected": ["reject"],
    "withdrawn": [],
}
_DEMO_REJECTION = {
    "reason": "Other candidates were a closer match",
    "feedback": "Your skills are a good start. Adding a small project with SQL would help next time.",
}


def _demo_stages(candidates: list[Candidate]) -> list[tuple[str, str]]:
    """Move a few suggestions along as recruiters would, then number the candidates so candidate1 … candidate9 each
    show one stage. Returns (email, what their dashboard shows) for each."""
    from .services.candidates.application import withdraw

    first = _first_suggestion_of_each()
    chosen: dict[str, Candidate] = {}
    for stage, candidate in zip(_DEMO_STEPS, _one_per_placement([c for c in candidates if c.id in first], first)):
        _move_along(first[candidate.id], candidate, _DEMO_STEPS[stage])
        if stage == "withdrawn":
            withdraw(candidate)
        chosen[stage] = candidate
    without = [c for c in candidates if c.id not in first]
    if without:
        chosen["not_matched"] = without[0]
    if len(without) > 1:
        draft = without[-1]
        draft.status, draft.submitted_at, draft.declaration_at = ApplicationStatus.DRAFT.value, None, None
        chosen["draft"] = draft
    return _number_showcase(chosen, candidates)


def _first_suggestion_of_each() -> dict[int, Suggestion]:
    """Each suggested candidate's first suggestion, by candidate id."""
    first: dict[int, Suggestion] = {}
    for suggestion in db.session.scalars(select(Suggestion).order_by(Suggestion.id)):
        first.setdefault(suggestion.candidate_id, suggestion)
    return first


def _one_per_placement(candidates: list[Candidate], first: dict[int, Suggestion]) -> list[Candidate]:
    """One candidate for each stage shown, each at a placement of its own: an acceptance that fills a placement
    closes its other suggestions, which must not be the ones the later stages move along."""
    showcase: list[Candidate] = []
    placements_used: set[int] = set()
    for candidate in candidates:
        if first[candidate.id].placement_id not in placements_used and len(showcase) < len(_DEMO_STEPS):
            showcase.append(candidate)
            placements_used.add(first[candidate.id].placement_id)
    return showcase


def _move_along(suggestion: Suggestion, candidate: Candidate, actions: list[str]) -> None:
    """Take a suggestion through the actions, as the placement's recruiter (and, to accept, the candidate) would."""
    from .services.matching.review import decide
    from .services.offers import OfferTerms, accept, make_offer, today_in_london

    # Boroughs outside the demo's few have no recruiter: the admin, who may act for any borough, acts there.
    recruiter = db.session.scalars(
        select(User)
        .where(
            (User.role == Role.RECRUITER.value) & (User.borough_id == suggestion.placement.borough_id)
            | (User.role == Role.ADMIN.value)
        )
        .order_by(User.role != Role.RECRUITER.value, User.id)
    ).first()
    if recruiter is None:
        raise RuntimeError("The demo data has no admin")
    for action in actions:
        if action == "offer":  # an offer is made with its terms and letter; the candidate answers it
            respond_by = today_in_london() + timedelta(days=7)
            start = max(suggestion.placement.start_date or respond_by, respond_by + timedelta(days=1))
            contact = f"The recruitment team, {suggestion.placement.borough.name}"
            make_offer(suggestion, suggestion.version, recruiter.id, OfferTerms(respond_by, start, contact))
        elif action == "accept":  # the candidate accepts on their dashboard
            accept(suggestion, candidate.user_id)
        else:
            given = _DEMO_REJECTION if action == "reject" else {}
            decide(suggestion, action, suggestion.version, recruiter.id, given.get("reason"), given.get("feedback"))


def _number_showcase(chosen: dict[str, Candidate], candidates: list[Candidate]) -> list[tuple[str, str]]:
    """Number the showcase candidates first, so the README can name them; the rest keep their order."""
    ordered = [chosen[key] for key, _ in SHOWCASE if key in chosen]
    ordered += [c for c in sorted(candidates, key=lambda c: c.id) if c not in ordered]
    for index, candidate in enumerate(ordered, start=1):
        candidate.user.email = f"renumbering-{index}@{DEMO_DOMAIN}"
    db.session.flush()
    for index, candidate in enumerate(ordered, start=1):
        candidate.user.email = f"candidate{index}@{DEMO_DOMAIN}"
    db.session.commit()
    labels = dict(SHOWCASE)
    return [(chosen[key].user.email, labels[key]) for key, _ in SHOWCASE if key in chosen]


def _sign_ins() -> dict:
    staff = [f"admin@{DEMO_DOMAIN}", f"analyst@{DEMO_DOMAIN}"] + [
        f"{role}.{slug}@{DEMO_DOMAIN}" for slug in DEMO_BOROUGHS for role in ("borough-staff", "recruiter")
    ]
    return {
        "staff": staff,
        "staff_password": DEMO_STAFF_PASSWORD,
        "candidate_example": f"candidate1@{DEMO_DOMAIN}",
        "candidate_password": DEMO_CANDIDATE_PASSWORD,
    }


def _demo_placements(rng, cycle, boroughs, standards, areas_by_borough) -> list[Placement]:
    today = date.today()
    placements = []
    for index in range(30):
        borough = boroughs[index % len(boroughs)]
        standard = standards[rng.randrange(len(standards))]
        area = rng.choice(areas_by_borough[borough.ons_code])
        hourly = Decimal(str(rng.choice([8.60, 10.00, 12.21, 13.85, 14.80, 15.50])))
        keywords = rng.sample(standard.keywords, k=min(5, len(standard.keywords)))
        placement = Placement(
            borough=borough,
            cycle=cycle,
            standard=standard,
            status=PlacementStatus.LIVE.value,
            title=f"{standard.title} apprentice"
            + (f" ({rng.choice(['ICT', 'Digital services', 'Data team', 'Customer services'])})" if index % 3 else ""),
            description=f"Join {borough.name} Council's team and learn on the job while studying for the {standard.title} "
            f"apprenticeship (level {standard.level}). You will work with experienced colleagues on real services for residents.",
            skills=keywords,
            skills_text=None,
            wage_amount=hourly,
            wage_unit="hour",
            hourly_wage=hourly,
            hours_per_week=rng.choice([30, 35, 37, 37, 40]),
            positions=rng.choice([1, 1, 2, 3]),
            start_date=today + timedelta(days=rng.randint(60, 150)),
            closing_date=today + timedelta(days=rng.randint(14, 50)),
            workplace_outward=area.outward,
            lat=area.lat,
            lon=area.lon,
            training_provider=rng.choice(
                ["City College London", "Capital Digital Skills", "North London Training Partnership"]
            ),
            disability_confident=rng.random() < 0.6,
            resident_priority=rng.random() < 0.3,
            adjustments_contact=f"apprenticeships@{borough.slug}.{DEMO_DOMAIN}",
            published_at=utcnow(),
        )
        db.session.add(placement)
        placements.append(placement)
    db.session.flush()
    return placements


def _demo_candidates(rng, standards, placements, boroughs, areas_by_borough) -> list[Candidate]:
    password_hash = hash_password(DEMO_CANDIDATE_PASSWORD)
    today = date.today()
    candidates = []
    for index in range(1, 301):
        borough = rng.choice(boroughs)
        area = rng.choice(areas_by_borough[borough.ons_code])
        interests = rng.sample(standards, k=rng.randint(1, 3))
        skills = sorted({k for s in interests for k in rng.sample(s.keywords, k=min(3, len(s.keywords)))})
        user = User(
            email=f"candidate{index}@{DEMO_DOMAIN}",
            password_hash=password_hash,
            role=Role.CANDIDATE.value,
            email_confirmed_at=utcnow(),
        )
        candidate = Candidate(
            user=user,
            status=ApplicationStatus.SUBMITTED.value,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            date_of_birth=today - timedelta(days=rng.randint(16 * 365 + 30, 29 * 365)),
            outward_postcode=area.outward,
            lat=area.lat,
            lon=area.lon,
            home_borough=borough,
            travel_km=rng.choice([5, 8, 10, 15, 20]),
            hours_per_week=rng.choice([30, 35, 37, 40]),
            available_from=today + timedelta(days=rng.randint(0, 90)),
            eligibility={
                "age": True,
                "left_school": True,
                "right_to_work": True,
                "residence": True,
                "not_in_full_time_education": True,
                "not_on_apprenticeship": True,
            },
            skills=skills,
            skills_text=rng.choice(SKILL_PHRASES),
            interests=[s.reference for s in interests],
            # A separate generator, so adding statements left every other demo answer as it was.
            statements=[s.id for s in random.Random(f"statements-{index}").sample(statements(), k=3)],
            qualifications={
                "highest_level": rng.choice([1, 2, 3]),
                "english_maths": rng.choice(["both", "english", "maths", "neither"]),
            },
            outreach_channel=rng.choice(CHANNELS),
            campaign_code=rng.choice([None, None, "SPRING26", "LIBRARY"]),
            consider_other_placements=rng.random() < 0.8,
            declaration_at=utcnow(),
            submitted_at=utcnow(),
        )
        ranked = rng.sample(placements, k=rng.randint(1, 10))
        candidate.choices = [Choice(placement=v, rank=r) for r, v in enumerate(ranked, start=1)]
        db.session.add(candidate)
        candidates.append(candidate)
    db.session.flush()
    for candidate in candidates:
        if rng.random() < 0.85:  # most, not all, answer the optional questions
            db.session.add(MonitoringResponse(pseudonym=pseudonym(candidate.id), answers=_demo_answers(rng, candidate)))
    return candidates


def _demo_answers(rng, candidate) -> dict:
    answers: dict = {}
    for question in equality_questions():
        if question["key"] == "age_band" or (
            "asked_if" in question and any(answers.get(k) != v for k, v in question["asked_if"].items())
        ):
            continue
        answers[question["key"]] = rng.choice([option["value"] for option in question["options"]])
    return answers
