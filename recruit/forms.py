"""Form pieces shared by every audience: GOV.UK widgets and validators with GOV.UK-style messages."""

import re
from datetime import date

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import Field, PasswordField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, StopValidation

from .parsing import parse_date, whole_number


def _hint_only_if_given(params: dict) -> dict:
    """Radios and checkboxes show a hint only when the field has one: the library always passes one, so a field
    without a description showed an empty hint, or the word "None"."""
    hint = params.get("hint") or {}
    if not (hint.get("text") or hint.get("html")):
        params.pop("hint", None)
    return params


class GovRadios(GovRadioInput):
    """GOV.UK radios, the field's label as the legend."""

    def map_gov_params(self, field, **kwargs):
        return _hint_only_if_given(super().map_gov_params(field, **kwargs))


class GovCheckboxes(GovCheckboxesInput):
    """GOV.UK checkboxes, the field's label as the legend."""

    def map_gov_params(self, field, **kwargs):
        return _hint_only_if_given(super().map_gov_params(field, **kwargs))


class BaseForm(FlaskForm):
    """A FlaskForm (CSRF-protected) whose text inputs are stripped of surrounding spaces."""

    def show_error(self, message: str, field_name: str | None = None) -> None:
        """Show a service's message on its field, or at the top of the form when it has none."""
        field = self._fields.get(field_name or "")
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            self.form_errors.append(message)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show several messages, each keyed by the name of the field it belongs to."""
        for field_name, message in errors.items():
            self.show_error(message, field_name)

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            # Forms read only form-encoded bodies: a JSON body (whose values may be numbers, lists or objects)
            # is not a form, so it submits nothing and gets the form's own error messages.
            if formdata is _Auto and request.method in SUBMIT_METHODS and not request.form and not request.files:
                return None
            return super().wrap_formdata(form, formdata)

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class in (StringField,) and strip not in filters:
                unbound_field.kwargs["filters"] = [*filters, strip]
            return unbound_field.bind(form=form, **options)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    """Trim spaces and drop control characters (PostgreSQL refuses NUL in text, and nobody means to type them)."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def radios(label: str, pairs, message: str, hint: str | None = None) -> RadioField:
    """Radios whose only error, for no answer or a forged one, is the GOV.UK "Select …" message."""
    return RadioField(
        label,
        choices=options(pairs),
        description=hint,
        widget=GovRadios(),
        invalid_choice_message=message,
        invalid_value_message=message,
    )


def checkboxes(
    label: str, pairs, message: str = "Select from the list", hint: str | None = None
) -> SelectMultipleField:
    """Checkboxes whose only error, for a forged answer, is `message`."""
    return SelectMultipleField(
        label,
        choices=options(pairs),
        description=hint,
        widget=GovCheckboxes(),
        invalid_choice_message=message,
        invalid_value_message=message,
    )


def text(
    label: str, required: str | None, max_length: int, too_long: str, hint: str | None = None, **kwargs
) -> StringField:
    """A stripped text input with GOV.UK messages."""
    validators = [DataRequired(required)] if required else [Optional()]
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        filters=[strip],
        validators=[*validators, Length(max=max_length, message=too_long)],
        **kwargs,
    )


def whole_number_in_range(required: str, invalid: str, out_of_range: str, minimum: int, maximum: int):
    """A validator for a whole number typed into a text box (commas allowed, as in 1,000), from minimum to maximum."""

    def check(form, field):
        value = (field.data or "").replace(",", "")
        if not value:
            raise StopValidation(required)
        if value.startswith("-") and whole_number(value[1:], len(value)) is not None:
            raise StopValidation(out_of_range)  # a negative number is a number, just not one in range
        number = whole_number(value, 6)
        if number is None:
            raise StopValidation(invalid)
        if not minimum <= number <= maximum:
            raise StopValidation(out_of_range)

    return check


def number_field(label: str, hint: str | None, validator) -> StringField:
    """A text box for a whole number, with the numeric keypad on phones."""
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        validators=[validator],
        render_kw={"inputmode": "numeric", "spellcheck": "false"},
    )


def page_number(text: str | None, last: int = 100_000) -> int:
    """A page number from a query string: a whole number from 1 to `last`, else page 1."""
    number = whole_number(text, 6)
    return number if number is not None and 1 <= number <= last else 1


def email_field(label: str = "Email address", hint: str | None = None) -> StringField:
    """An email address field with the GOV.UK messages."""
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def password_field(label: str = "Password", hint: str | None = None, autocomplete: str = "current-password"):
    """A password field; the strength rules live in recruit.passwords."""
    return PasswordField(
        label,
        description=hint,
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password" if autocomplete == "current-password" else "Enter a password")],
        render_kw={"autocomplete": autocomplete},
    )


def submit_button(label: str = "Continue") -> SubmitField:
    return SubmitField(label, widget=GovSubmitInput())


class DayMonthYearField(Field):
    """A GOV.UK date input that keeps exactly what was typed; the service's validation judges it."""

    widget = GovDateInput()

    @property
    def govuk_anchor(self) -> str:
        return f"{self.id}-day"  # the error summary links to the first box

    def process_formdata(self, valuelist):
        parts = [value.strip() for value in valuelist[:3]] + [""] * (3 - len(valuelist[:3]))
        self.raw_data = parts  # always three, so the widget can show them again
        self.data = tuple(parts)

    def _value(self):
        return ""


class GovDateField(Field):
    """Day, month and year boxes with the GOV.UK date messages ("Date of birth must include a month" …)."""

    widget = GovDateInput()

    def __init__(self, label, subject: str, required_message: str, hint: str | None = None, **kwargs):
        super().__init__(label, description=hint, **kwargs)
        self.subject = subject
        self.required_message = required_message
        self.problem: str | None = None

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        # Always exactly three boxes, whatever was posted, so the widget can redisplay them as typed.
        parts = [str(value).strip() for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data, self.problem = None, None
        if any(parts):
            self.data, self.problem = parse_date(parts, self.subject)

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)
        if self.data is None:
            raise StopValidation(self.required_message)

    @property
    def entered(self) -> date:
        """The date given, on a form that validated (the field is required, so there is one)."""
        if self.data is None:
            raise ValueError(f"{self.name} is read before its form validated")
        return self.data
