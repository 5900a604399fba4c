"""The candidate journey's forms, with GOV.UK widgets and GOV.UK-style messages for every field."""

import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovTextInput
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional, StopValidation, ValidationError

from ..forms import (
    BaseForm,
    GovCheckboxes,
    GovDateField,
    GovRadios,
    checkboxes,
    number_field,
    options,
    radios,
    strip,
    submit_button,
    text,
    whole_number_in_range,
)
from ..postcodes import ParsedPostcode, PostcodeError, parse_postcode

SKILLS_TEXT_MAX = 1000
ADJUSTMENTS_MAX = 1000
CAMPAIGN_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")


# --- Eligibility and equality monitoring: one question per page ---


class QuestionForm(BaseForm):
    """One radio question; its label, options and message are set per question."""

    answer = RadioField(widget=GovRadios())
    submit = submit_button("Continue")

    @classmethod
    def for_question(
        cls, question: str, pairs, message: str, hint: str | None = None, optional: bool = False, **kwargs
    ) -> "QuestionForm":
        """The form for one question; an optional question may be left unanswered (but never answered falsely)."""
        form = cls(**kwargs)
        form.answer.label.text = question
        form.answer.description = hint or ""
        form.answer.choices = options(pairs)
        form.answer.invalid_choice_message = message
        form.answer.invalid_value_message = message
        form.answer.validate_choice = not optional
        form.message = message
        return form

    def validate_answer(self, field):
        if field.data is not None and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(self.message)


# --- The application's sections ---


def valid_phone(form, field):
    """A UK phone number: 10 or 11 digits starting 0, or +44 / 0044 instead of the 0."""
    if not field.data:
        return
    digits = re.sub(r"[\s\-().]", "", field.data)
    for prefix in ("+44", "0044"):
        if digits.startswith(prefix):
            digits = "0" + digits[len(prefix) :].removeprefix("0")
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise ValidationError("Enter a phone number, like 07700 900 982")


def latest_date_of_birth(today: date) -> date:
    """The latest birthday of someone who turns 16 within a year of `today` (29 February becomes 28)."""
    try:
        return today.replace(year=today.year + 1 - 16)
    except ValueError:
        return date(today.year + 1 - 16, 2, 28)


class AboutYouForm(BaseForm):
    first_name = text(
        "First name",
        "Enter your first name",
        100,
        "First name must be 100 characters or fewer",
        render_kw={"autocomplete": "given-name", "spellcheck": "false"},
    )
    last_name = text(
        "Last name",
        "Enter your last name",
        100,
        "Last name must be 100 characters or fewer",
        render_kw={"autocomplete": "family-name", "spellcheck": "false"},
    )
    preferred_name = text(
        "Preferred name (optional)",
        None,
        100,
        "Preferred name must be 100 characters or fewer",
        hint="What you would like us to call you, if it is different from your first name.",
        render_kw={"spellcheck": "false"},
    )
    phone = StringField(
        "Phone number (optional)",
        widget=GovTextInput(),
        filters=[strip],
        description="For international numbers include the country code. We only call about your application.",
        validators=[Optional(), Length(max=30, message="Enter a phone number, like 07700 900 982"), valid_phone],
        render_kw={"autocomplete": "tel", "type": "tel"},
    )
    date_of_birth = GovDateField(
        "Date of birth", "Date of birth", "Enter a date of birth", hint="For example, 27 3 2007"
    )
    submit = submit_button("Save and continue")

    def validate_date_of_birth(self, field):
        if field.data >= date.today():
            raise ValidationError("Date of birth must be in the past")
        if field.data.year < 1900:
            raise ValidationError("Date of birth must be after 1 January 1900")
        # They said they will be 16 when the apprenticeship starts; most start within a year of applying.
        latest = latest_date_of_birth(date.today())
        if field.data > latest:
            raise ValidationError(
                f"Date of birth must be on or before {latest.day} {latest:%B %Y}, because you need to "
                "be 16 or older when the apprenticeship starts"
            )

    def values(self) -> dict:
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "preferred_name": self.preferred_name.data or None,
            "phone": self.phone.data or None,
            "date_of_birth": self.date_of_birth.data,
        }


def _valid_postcode(form, field):
    try:
        form.parsed_postcode = parse_postcode(field.data or "")
    except PostcodeError as error:
        if not field.data:
            raise StopValidation("Enter your postcode") from None
        if error.message.startswith("Enter a postcode in London"):
            raise StopValidation("Enter a postcode in or near London, like E8 1DY") from None
        raise StopValidation("Enter a real postcode, like E8 1DY") from None


class WhereYouLiveForm(BaseForm):
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        validators=[_valid_postcode],
        description="We only keep the first part of your postcode, like E8, to work out how far "
        "placements are from you.",
        render_kw={"autocomplete": "postal-code", "spellcheck": "false"},
    )
    travel_km = number_field(
        "How far can you travel to a placement each day?",
        "In kilometres, one way. 5 km is about 3 miles.",
        whole_number_in_range(
            "Enter how far you can travel, in kilometres",
            "Distance must be a whole number, like 10",
            "Distance must be between 1 and 100 kilometres",
            1,
            100,
        ),
    )
    submit = submit_button("Save and continue")
    parsed_postcode: ParsedPostcode | None = None  # set by the postcode's validator

    def values(self) -> dict:
        assert self.parsed_postcode is not None, "values() is read only after the form validated"
        area = self.parsed_postcode.area
        return {
            "outward_postcode": self.parsed_postcode.outward,
            "lat": area.lat,
            "lon": area.lon,
            "travel_km": int(self.travel_km.data.replace(",", "")),
        }


class HomeBoroughForm(BaseForm):
    home = RadioField(
        "Which borough do you live in?",
        widget=GovRadios(),
        invalid_choice_message="Select the borough you live in, or that you live outside London",
    )
    other_borough = SelectField("Borough", widget=GovSelect(), validate_choice=False)
    submit = submit_button("Save and continue")

    def validate_other_borough(self, field):
        if self.home.data == "other" and field.data not in {c.value for c in field.choices if c.value}:
            raise ValidationError("Select your borough")


class WhenYouCanWorkForm(BaseForm):
    hours_per_week = number_field(
        "How many hours a week can you work?",
        "Apprenticeships are usually 30 to 40 hours a week, including training. The least is 16.",
        whole_number_in_range(
            "Enter how many hours a week you can work",
            "Hours a week must be a whole number, like 30",
            "Hours a week must be between 16 and 40",
            16,
            40,
        ),
    )
    available_from = GovDateField(
        "When is the earliest you could start?",
        "Start date",
        "Enter the earliest date you could start",
        hint="For example, 1 9 2026",
    )
    submit = submit_button("Save and continue")

    def validate_available_from(self, field):
        if field.data < date.today():
            raise ValidationError("Start date must be today or in the future")
        if field.data.year > date.today().year + 3:
            raise ValidationError("Start date must be within the next 3 years")

    def values(self) -> dict:
        return {
            "hours_per_week": int(self.hours_per_week.data.replace(",", "")),
            "available_from": self.available_from.data,
        }


def skills_form(groups, pathways):
    """Plain-English statements, one group of checkboxes per pathway; optional technical skills; the free text."""

    class SkillsForm(BaseForm):
        skills_text = TextAreaField(
            "Tell us about something you have made, fixed or learned (optional)",
            description="It can be from school, a job, volunteering or your own time. For example, a website, a spreadsheet, "
            "fixing a laptop or teaching yourself a skill.",
            widget=GovCharacterCount(),
            filters=[strip],
            validators=[
                Length(max=SKILLS_TEXT_MAX, message=f"Your answer must be {SKILLS_TEXT_MAX:,} characters or fewer")
            ],
        )
        submit = submit_button("Save and continue")
        skill_fields = [f"skills_{group.key}" for group in groups]
        statement_fields = [f"statements_{key}" for key, _, _ in pathways]

        def validate_skills_text(self, field):
            if not field.data and not self.chosen() and not self.chosen_statements():
                raise ValidationError(
                    "Select at least one thing you have done or enjoy, or tell us about something "
                    "you have made, fixed or learned"
                )

        def chosen(self) -> list[str]:
            return sorted({skill for name in self.skill_fields for skill in (self[name].data or [])}, key=str.casefold)

        def chosen_statements(self) -> list[str]:
            return [item for name in self.statement_fields for item in (self[name].data or [])]

        def values(self) -> dict:
            return {
                "statements": self.chosen_statements(),
                "skills": self.chosen(),
                "skills_text": self.skills_text.data or None,
            }

    for key, label, items in pathways:
        setattr(
            SkillsForm,
            f"statements_{key}",
            checkboxes(label, [(item.id, item.text) for item in items], "Select things from the list"),
        )
    for group in groups:
        setattr(
            SkillsForm,
            f"skills_{group.key}",
            checkboxes(group.label, [(s, s) for s in group.skills], "Select skills from the list"),
        )
    return SkillsForm


class InterestsForm(BaseForm):
    interests = SelectMultipleField(
        "Which jobs interest you?",
        widget=GovCheckboxes(),
        description="Select all that interest you. The level is like the level of a "
        "qualification: level 3 is like A levels, level 4 and above is higher.",
        invalid_choice_message="Select jobs from the list",
        invalid_value_message="Select jobs from the list",
    )
    submit = submit_button("Save and continue")

    def validate_interests(self, field):
        if not field.data:
            raise ValidationError("Select at least one job that interests you")

    def values(self) -> dict:
        return {"interests": list(self.interests.data)}


QUALIFICATION_LEVELS = (
    ("0", "No formal qualifications"),
    ("1", "Level 1 or entry level, like GCSEs at grades 3 to 1 (D to G)"),
    ("2", "Level 2, like GCSEs at grades 9 to 4 (A* to C)"),
    ("3", "Level 3, like A levels, T levels or a BTEC National"),
    ("4", "Level 4 or 5, like an HNC, HND or foundation degree"),
    ("6", "Level 6 or above, like a degree"),
)
ENGLISH_MATHS = (
    ("both", "Yes, both English and maths"),
    ("english", "English only"),
    ("maths", "Maths only"),
    ("neither", "Neither"),
)


class QualificationsForm(BaseForm):
    highest_level = radios(
        "What is your highest qualification?",
        QUALIFICATION_LEVELS,
        "Select your highest qualification",
        hint="Include qualifications from other countries at the level you think is closest.",
    )
    english_maths = radios(
        "Do you have English and maths at grade 4 (C) or above, or Functional Skills level 2?",
        ENGLISH_MATHS,
        "Select whether you have English and maths at grade 4 (C) or above",
    )
    digital = radios(
        "Do you have a digital or computing qualification?",
        (("yes", "Yes"), ("no", "No")),
        "Select yes if you have a digital or computing qualification",
        hint="For example, GCSE Computer Science, a BTEC in IT, or a certificate like CompTIA A+.",
    )
    digital_level = SelectField(
        "Level of your digital qualification",
        widget=GovSelect(),
        validate_choice=False,
        choices=options([("", "Choose a level"), *QUALIFICATION_LEVELS[1:]]),
    )
    submit = submit_button("Save and continue")

    def validate_digital_level(self, field):
        if self.digital.data == "yes" and field.data not in {v for v, _ in QUALIFICATION_LEVELS[1:]}:
            raise ValidationError("Select the level of your digital qualification")

    def values(self) -> dict:
        quals = {
            "highest_level": int(self.highest_level.data),
            "english_maths": self.english_maths.data,
            "digital": self.digital.data,
        }
        if self.digital.data == "yes":
            quals["digital_level"] = int(self.digital_level.data)
        return {"qualifications": quals}


class SupportForm(BaseForm):
    interview_adjustments = TextAreaField(
        "Do you need any adjustments at interview? (optional)",
        description="For example, extra time, a step-free room, a sign language interpreter, questions in advance, "
        "or a quiet place to wait. Leave this empty if you do not need any.",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[
            Length(max=ADJUSTMENTS_MAX, message=f"Adjustments must be {ADJUSTMENTS_MAX:,} characters or fewer")
        ],
    )
    guaranteed_interview = radios(
        "Do you want to use the guaranteed interview scheme?",
        (("yes", "Yes"), ("no", "No")),
        "Select yes if you want to use the guaranteed interview scheme",
    )
    submit = submit_button("Save and continue")

    def values(self) -> dict:
        return {
            "interview_adjustments": self.interview_adjustments.data or "",
            "guaranteed_interview": self.guaranteed_interview.data == "yes",
        }


OUTREACH_CHANNELS = (
    ("school_college", "School, college or a careers adviser"),
    ("jobcentre", "Jobcentre Plus or a work coach"),
    ("borough_website", "A council website or newsletter"),
    ("social_media", "Social media"),
    ("friend_family", "A friend or family member"),
    ("community_group", "A community group, youth centre or library"),
    ("careers_fair", "A careers fair or event"),
    ("placement_alert", "An email alert about new placements"),
    ("other", "Somewhere else"),
)


def _valid_campaign_code(form, field):
    if field.data and not CAMPAIGN_CODE_RE.fullmatch(field.data):
        raise ValidationError("Campaign code must only include letters, numbers, hyphens and underscores")


class HowYouHeardForm(BaseForm):
    outreach_channel = radios(
        "How did you hear about these apprenticeships?",
        OUTREACH_CHANNELS,
        "Select how you heard about these apprenticeships",
    )
    campaign_code = text(
        "Campaign code (optional)",
        None,
        40,
        "Campaign code must be 40 characters or fewer",
        hint="If a leaflet, poster or link gave you a code, enter it here.",
        render_kw={"spellcheck": "false"},
    )
    submit = submit_button("Save and continue")

    def validate_campaign_code(self, field):
        _valid_campaign_code(self, field)

    def values(self) -> dict:
        return {"outreach_channel": self.outreach_channel.data, "campaign_code": self.campaign_code.data or None}


# --- Placement choices (plain POST forms, no JavaScript needed) ---


def _valid_id(form, field):
    if not (field.data or "").isascii() or not (field.data or "").isdigit() or len(field.data) > 12:
        raise StopValidation("Select a placement")


class ChoiceForm(BaseForm):
    """Add, remove or move one placement."""

    placement_id = StringField(validators=[_valid_id])
    direction = StringField()

    @property
    def placement(self) -> int:
        return int(self.placement_id.data)


class ConsiderOtherForm(BaseForm):
    consider_other = radios(
        "Should we also consider you for other suitable placements?",
        (("yes", "Yes"), ("no", "No, only the placements I choose")),
        "Select yes if we should also consider you for other suitable placements",
        hint="We will only suggest placements that suit your skills, interests, hours and how far you can travel.",
    )
    submit = submit_button("Save and continue")


class DeclarationForm(BaseForm):
    declaration = SelectMultipleField(
        "Declaration",
        widget=GovCheckboxes(),
        choices=options(
            [("agreed", "I confirm that the information I have given is true, to the best of my knowledge")]
        ),
        invalid_choice_message="Confirm the information you have given is true",
        invalid_value_message="Confirm the information you have given is true",
    )
    submit = submit_button("Accept and send application")

    def validate_declaration(self, field):
        if field.data != ["agreed"]:
            raise ValidationError("Confirm the information you have given is true")


class ConfirmForm(BaseForm):
    """A button that only needs the CSRF token (withdraw, delete, withdraw monitoring answers)."""

    submit = submit_button("Confirm")
