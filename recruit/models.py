"""The data model: one class per entity (docs/data-model.md)."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .extensions import Model, db


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store UTC datetimes; always hand back timezone-aware values, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use recruit.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Role(str, enum.Enum):
    CANDIDATE = "candidate"
    BOROUGH_STAFF = "borough_staff"
    RECRUITER = "recruiter"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def needs_borough(self) -> bool:
        return self in (Role.BOROUGH_STAFF, Role.RECRUITER)


class PlacementStatus(str, enum.Enum):
    DRAFT = "draft"
    LIVE = "live"
    CLOSED = "closed"
    FILLED = "filled"


class ApplicationStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class SuggestionStage(str, enum.Enum):
    SUGGESTED = "suggested"
    SHORTLISTED = "shortlisted"
    INTERVIEW = "interview"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # the placement filled its positions with other candidates


# How far along the hiring path a stage is (anything not listed, such as rejected, counts as suggested): the
# "furthest stage reached" of a suggestion is the highest level its history ever touched.
FUNNEL_LEVEL = {
    SuggestionStage.SHORTLISTED.value: 2,
    SuggestionStage.INTERVIEW.value: 3,
    SuggestionStage.OFFERED.value: 4,
    SuggestionStage.ACCEPTED.value: 5,
}


def funnel_level(stage: str) -> int:
    """A stage's level on the hiring path: 1 suggested (or stopped) up to 5 accepted."""
    return FUNNEL_LEVEL.get(stage, 1)


def _level_of_inserted_stage(context) -> int:
    return funnel_level(context.get_current_parameters().get("stage") or SuggestionStage.SUGGESTED.value)


class RunStatus(str, enum.Enum):
    RUNNING = "running"  # queued or being computed on a worker
    PREVIEW = "preview"  # computed; only admins see it
    PUBLISHED = "published"  # recruiters and candidates see its suggestions
    SUPERSEDED = "superseded"  # a newer preview of the same round replaced it
    FAILED = "failed"  # the worker gave up; `error` says why


def _enum_values(enum_cls) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_cls)


class RecruitmentCycle(Model):
    """One recruitment period: its placements, rounds and reports belong to it."""

    __tablename__ = "recruitment_cycle"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
        CheckConstraint("target IS NULL OR (target >= 0 AND target <= 10000)", name="target_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    # London-wide target of apprenticeships started in this cycle (None: no target set).
    target: Mapped[int | None]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CycleProgress(Model):
    """A closed cycle's progress figures (counts only), saved when it closed so they stay as they were."""

    __tablename__ = "cycle_progress"
    cycle_id: Mapped[int] = mapped_column(ForeignKey("recruitment_cycle.id", ondelete="CASCADE"), primary_key=True)
    figures: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CycleCount(Model):
    """A closed cycle's report, saved when it closed: how many people of each group reached each stage.

    Aggregates only (never a row about a person), so purging applications and deleting accounts later does not
    change last year's report. Shown under the same disclosure control as live counts."""

    __tablename__ = "cycle_count"
    __table_args__ = (
        UniqueConstraint("cycle_id", "breakdown", "position", "stage", name="uq_cycle_count_cell"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("recruitment_cycle.id", ondelete="CASCADE"), index=True)
    breakdown: Mapped[str] = mapped_column(String(40))  # a characteristic's key, or "channel" / "campaign"
    position: Mapped[int]  # the group's place in the table (the last is "not answered" for a characteristic)
    group_label: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20))
    count: Mapped[int]


class Borough(Model):
    __tablename__ = "borough"
    id: Mapped[int] = mapped_column(primary_key=True)
    ons_code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    lat: Mapped[float]
    lon: Mapped[float]
    # Set by admins: whether the borough posts placements this programme, and who candidates can contact there.
    taking_part: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")


class BoroughTarget(Model):
    """A borough's own target of apprenticeships started in one cycle (the London-wide one is on the cycle)."""

    __tablename__ = "borough_target"
    __table_args__ = (
        UniqueConstraint("cycle_id", "borough_id", name="uq_borough_target_cycle_borough"),
        CheckConstraint("target >= 0 AND target <= 10000", name="target_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("recruitment_cycle.id", ondelete="CASCADE"), index=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id"))
    target: Mapped[int]


class Standard(Model):
    __tablename__ = "standard"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    level: Mapped[int]
    duration_months: Mapped[int]
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(String(300), default="")


class User(UserMixin, Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(f"role IN ({_enum_values(Role)})", name="role_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("borough.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Second factor: a TOTP secret (base32), when it was set up, and the last time step used (no replays).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Raised when an admin disables the account: every session signed in under an older value ends.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)

    borough: Mapped[Borough | None] = relationship()
    candidate: Mapped[Candidate | None] = relationship(back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for deactivated users.
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class RecoveryCode(Model):
    """A single-use code that stands in for the second factor; only a keyed hash of it is stored."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserSession(Model):
    """A signed-in session the server can end. The cookie holds a random id; only its SHA-256 digest is stored,
    so a copy of the database cannot be used to sign in."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str | None] = mapped_column(String(30))

    user: Mapped[User] = relationship()


class Candidate(Model):
    __tablename__ = "candidate"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.DRAFT.value)
    # About you
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # Where you live: the outward code only, never the full postcode.
    outward_postcode: Mapped[str | None] = mapped_column(String(4))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    home_borough_id: Mapped[int | None] = mapped_column(ForeignKey("borough.id"), index=True)
    lives_outside_london: Mapped[bool] = mapped_column(Boolean, default=False)
    travel_km: Mapped[int | None]
    # When you can work
    hours_per_week: Mapped[int | None]
    available_from: Mapped[date | None] = mapped_column(Date)
    eligibility: Mapped[dict] = mapped_column(JSON, default=dict)
    # Skills, interests, qualifications
    skills: Mapped[list] = mapped_column(JSON, default=list)
    skills_text: Mapped[str | None] = mapped_column(Text)
    statements: Mapped[list] = mapped_column(
        JSON, default=list
    )  # ids of plain-English statements (skill_statements.csv)
    interests: Mapped[list] = mapped_column(JSON, default=list)  # standard references, e.g. "ST0116"
    qualifications: Mapped[dict] = mapped_column(JSON, default=dict)
    # Support
    interview_adjustments: Mapped[str | None] = mapped_column(Text)
    guaranteed_interview: Mapped[bool] = mapped_column(Boolean, default=False)
    # How you heard about us
    outreach_channel: Mapped[str | None] = mapped_column(String(40))
    campaign_code: Mapped[str | None] = mapped_column(String(40))
    # None until the candidate answers on the choices page (which offers "yes" as the default answer).
    consider_other_placements: Mapped[bool | None] = mapped_column(Boolean)
    declaration_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="candidate")
    home_borough: Mapped[Borough | None] = relationship()
    choices: Mapped[list[Choice]] = relationship(
        back_populates="candidate", order_by="Choice.rank", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.first_name or "there"


class Placement(Model):
    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint(f"status IN ({_enum_values(PlacementStatus)})", name="status_known"),
        CheckConstraint("positions >= 1", name="positions_positive"),
        CheckConstraint("wage_unit IN ('hour', 'year')", name="wage_unit_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("recruitment_cycle.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=PlacementStatus.DRAFT.value, index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list] = mapped_column(JSON, default=list)
    skills_text: Mapped[str] = mapped_column(Text, default="")
    wage_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    wage_unit: Mapped[str] = mapped_column(String(4), default="hour")
    hourly_wage: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # normalised, so lists can sort and filter by wage
    hours_per_week: Mapped[int]
    positions: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[date] = mapped_column(Date)
    closing_date: Mapped[date] = mapped_column(Date, index=True)
    workplace_outward: Mapped[str] = mapped_column(String(4))
    lat: Mapped[float]
    lon: Mapped[float]
    training_provider: Mapped[str] = mapped_column(String(200), default="")
    disability_confident: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_priority: Mapped[bool] = mapped_column(Boolean, default=False)
    adjustments_contact: Mapped[str] = mapped_column(String(254), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    borough: Mapped[Borough] = relationship()
    standard: Mapped[Standard] = relationship()
    cycle: Mapped[RecruitmentCycle | None] = relationship()


class Choice(Model):
    __tablename__ = "choice"
    __table_args__ = (UniqueConstraint("candidate_id", "placement_id", name="uq_choice_candidate_placement"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int]

    candidate: Mapped[Candidate] = relationship(back_populates="choices")
    placement: Mapped[Placement] = relationship()


class MatchRun(Model):
    """One computation of a round. Computed as a preview; an admin publishes it, once per round per cycle."""

    __tablename__ = "match_run"
    __table_args__ = (
        CheckConstraint(f"status IN ({_enum_values(RunStatus)})", name="status_known"),
        CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name="progress_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default=RunStatus.RUNNING.value, index=True)
    # True while the run is being computed, NULL otherwise: the unique constraint lets only one run be in
    # progress at a time, on every database (NULLs never collide).
    in_progress: Mapped[bool | None] = mapped_column(Boolean, unique=True)
    # "cycle 3, round 1" once published, NULL otherwise: one published run per round per cycle.
    published_slot: Mapped[str | None] = mapped_column(String(40), unique=True)
    progress_stage: Mapped[str] = mapped_column(String(120), default="Waiting for a worker")
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    progress_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    error: Mapped[str | None] = mapped_column(Text)
    # A fingerprint of what the preview was computed from; publishing refuses if it has changed since.
    inputs_mark: Mapped[str] = mapped_column(String(64), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("recruitment_cycle.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    algorithm_version: Mapped[str] = mapped_column(String(40))
    weights: Mapped[dict] = mapped_column(JSON)
    seed: Mapped[int]
    input_hash: Mapped[str] = mapped_column(String(64))
    candidate_count: Mapped[int] = mapped_column(Integer, default=0)
    placement_count: Mapped[int] = mapped_column(Integer, default=0)
    suggestion_count: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    # The exact lists and capacities the assignment ran on (ids as in the database), so the run can be
    # exported and re-checked later with `python -m matching`. Deferred: it can be large.
    instance: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    # Who was left without a suggestion, counted by the reason (filled in when the preview is computed).
    unmatched: Mapped[dict] = mapped_column(JSON, default=dict)

    suggestions: Mapped[list[Suggestion]] = relationship(back_populates="run", cascade="all, delete-orphan")


class Suggestion(Model):
    __tablename__ = "suggestion"
    __table_args__ = (
        UniqueConstraint("run_id", "candidate_id", "placement_id", name="uq_suggestion_run_candidate_placement"),
        CheckConstraint(f"stage IN ({_enum_values(SuggestionStage)})", name="stage_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    score: Mapped[float]
    components: Mapped[dict] = mapped_column(JSON)
    explanation: Mapped[dict] = mapped_column(JSON)
    stage: Mapped[str] = mapped_column(String(12), default=SuggestionStage.SUGGESTED.value, index=True)
    # The furthest level its history reached (kept by move_stage), so the funnel over a million suggestions reads
    # one small column instead of grouping the whole stage history.
    furthest_level: Mapped[int] = mapped_column(Integer, default=_level_of_inserted_stage)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    # Optimistic locking: two recruiters deciding at once cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    run: Mapped[MatchRun] = relationship(back_populates="suggestions")
    candidate: Mapped[Candidate] = relationship()
    placement: Mapped[Placement] = relationship()
    stage_changes: Mapped[list[StageChange]] = relationship(
        back_populates="suggestion", order_by="StageChange.id", cascade="all, delete-orphan", passive_deletes=True
    )


class StageChange(Model):
    """One step in a suggestion's history: from which stage to which, who moved it, when and why.

    Written in the same transaction as the change itself, so the history and the current stage agree."""

    __tablename__ = "stage_change"
    __table_args__ = (CheckConstraint(f"to_stage IN ({_enum_values(SuggestionStage)})", name="to_stage_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(12))  # None: the suggestion was made
    to_stage: Mapped[str] = mapped_column(String(12), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    suggestion: Mapped[Suggestion] = relationship(back_populates="stage_changes")
    # The interview scores a decision to offer or reject rested on, as they stood when it was made.
    scores: Mapped[list[InterviewScore]] = relationship(secondary="decision_score")


class BookingStatus(str, enum.Enum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


interview_slot_interviewer = Table(
    "interview_slot_interviewer",
    db.metadata,
    Column("slot_id", ForeignKey("interview_slot.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class InterviewSlot(Model):
    """A time a placement's recruiters interview at: where (a place or a video link), how many, and who interviews."""

    __tablename__ = "interview_slot"
    __table_args__ = (
        CheckConstraint("minutes >= 10 AND minutes <= 240", name="minutes_in_range"),
        CheckConstraint("capacity >= 1 AND capacity <= 10", name="capacity_in_range"),
        # Booked places never exceed capacity: every booking moves this count in a conditional UPDATE.
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    minutes: Mapped[int]
    place: Mapped[str] = mapped_column(String(200), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    placement: Mapped[Placement] = relationship()
    interviewers: Mapped[list[User]] = relationship(secondary=interview_slot_interviewer, order_by="User.email")
    bookings: Mapped[list[InterviewBooking]] = relationship(back_populates="slot", order_by="InterviewBooking.id")


class InterviewBooking(Model):
    """A candidate's booking of an interview slot for one suggestion; moved or cancelled, never deleted."""

    __tablename__ = "interview_booking"
    __table_args__ = (
        CheckConstraint(f"status IN ({_enum_values(BookingStatus)})", name="status_known"),
        # One live booking per suggestion, even when two of the candidate's tabs book at once.
        Index(
            "uq_interview_booking_live_suggestion",
            "suggestion_id",
            unique=True,
            postgresql_where=text("status = 'booked'"),
            sqlite_where=text("status = 'booked'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("interview_slot.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=BookingStatus.BOOKED.value)
    # Calendar files carry this so a calendar replaces the event when the time moves or is cancelled.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    slot: Mapped[InterviewSlot] = relationship(back_populates="bookings")
    suggestion: Mapped[Suggestion] = relationship()


class SlotRequest(Model):
    """A candidate telling the recruiter that none of the interview times suits them, and why."""

    __tablename__ = "slot_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    suggestion: Mapped[Suggestion] = relationship()


class InterviewCriterion(Model):
    """One thing a placement's interviewers score every candidate on (3 to 6 per placement)."""

    __tablename__ = "interview_criterion"
    __table_args__ = (UniqueConstraint("placement_id", "position", name="uq_interview_criterion_placement_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(150))


decision_score = Table(
    "decision_score",
    db.metadata,
    Column("stage_change_id", ForeignKey("stage_change.id", ondelete="CASCADE"), primary_key=True),
    Column("score_id", ForeignKey("interview_score.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class InterviewScore(Model):
    """One interviewer's score (1 to 4) of one candidate on one criterion, with the evidence for it."""

    __tablename__ = "interview_score"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "criterion_id", "interviewer_id", name="uq_interview_score_once"),
        CheckConstraint("score >= 1 AND score <= 4", name="score_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("interview_criterion.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    score: Mapped[int]
    evidence: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    criterion: Mapped[InterviewCriterion] = relationship()
    interviewer: Mapped[User | None] = relationship()


class OfferAnswer(str, enum.Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the candidate accepted another offer or withdrew their application


class Offer(Model):
    """An offer of a position: what it says, by when the candidate must answer, their answer, and when they started."""

    __tablename__ = "offer"
    __table_args__ = (
        CheckConstraint(f"answer IS NULL OR answer IN ({_enum_values(OfferAnswer)})", name="answer_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id", ondelete="CASCADE"), unique=True)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    respond_by: Mapped[date] = mapped_column(Date)  # the candidate may answer until the end of this day, London time
    start_date: Mapped[date] = mapped_column(Date)
    contact: Mapped[str] = mapped_column(String(254))
    answer: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_on: Mapped[date | None] = mapped_column(Date)  # recorded by the recruiter when the apprentice starts
    start_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    suggestion: Mapped[Suggestion] = relationship()


class CandidateOutcome(Model):
    """What one round meant for one candidate who applied: how many suggestions, or why none (docs/matching.md).

    One row per candidate in each run; `reasons` holds, for a candidate with no suggestion, the plain reason
    for each placement they chose (or one general reason). `notified_at` is set once they are emailed."""

    __tablename__ = "candidate_outcome"
    __table_args__ = (UniqueConstraint("run_id", "candidate_id", name="uq_candidate_outcome_run_candidate"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    suggested: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SavedSearch(Model):
    """A placement alert: a saved search whose new matching placements are emailed daily to its owner."""

    __tablename__ = "saved_search"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"))
    level: Mapped[int | None]
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"))
    outward_postcode: Mapped[str | None] = mapped_column(String(4))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    distance_km: Mapped[int | None]
    llw: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Placements published after this are new to the alert; moved on each time it is checked.
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    borough: Mapped[Borough | None] = relationship()
    standard: Mapped[Standard | None] = relationship()


class MonitoringResponse(Model):
    """Equality monitoring answers, kept apart: the HMAC pseudonym and the answers, nothing else (docs/privacy.md).

    No serial id, no timestamps and no derived field (the age band is worked out at report time), and the
    pseudonym is the primary key, so the rows' physical order follows the pseudonym, not when anyone answered:
    on SQLite the table has no rowid; on PostgreSQL services.monitoring.recluster_answers rewrites it."""

    __tablename__ = "monitoring_response"
    __table_args__ = {"sqlite_with_rowid": False}
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict] = mapped_column(JSON().with_variant(JSONB(), "postgresql"), default=dict)


class OutboxEmail(Model):
    __tablename__ = "outbox_email"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Files sent with the email: [{"filename", "content_type", "text" or "base64"}] (calendar files, offer letters).
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TaskFailure(Model):
    """A background task that failed for good after its retries, shown to admins with its error."""

    __tablename__ = "task_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(80))
    arguments: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AuditEvent(Model):
    """Who did what to which record, when (UTC). Holds ids only, never personal data."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None]  # no foreign key: the trail outlives deleted accounts
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    borough_id: Mapped[int | None]
    client_address: Mapped[str | None] = mapped_column(String(45))  # the client's IP (after ProxyFix), if a request
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
