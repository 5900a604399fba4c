"""Eligibility: a few questions, one per page, before anything else; no account needed."""

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..parsing import whole_number
from ..services.candidates import eligibility as service
from . import SESSION_ELIGIBILITY, SESSION_PLACEMENT, bp
from .forms import QuestionForm


def _answers() -> dict:
    answers = session.get(SESSION_ELIGIBILITY)
    return dict(answers) if isinstance(answers, dict) else {}


def _go(step: tuple[str, str | None]):
    kind, key = step
    if kind == "question":
        return redirect(url_for("candidates.eligibility_question", key=key))
    if kind == "ineligible":
        return redirect(url_for("candidates.eligibility_ineligible", key=key))
    return redirect(url_for("candidates.eligibility_result"))


@bp.route("/apply/eligibility")
def eligibility_start():
    """Start the eligibility check (no account needed)."""
    placement = whole_number(request.args.get("placement"), 12)
    if placement is not None:  # remembered through the questions, registering and signing in; added once eligible
        session[SESSION_PLACEMENT] = placement
    already = (
        current_user.is_authenticated
        and current_user.candidate is not None
        and service.is_eligible(current_user.candidate)
    )
    return render_template(
        "candidates/eligibility_start.html",
        questions=service.QUESTIONS,
        already_eligible=already,
        placement=placement is not None or SESSION_PLACEMENT in session,
    )


@bp.route("/apply/eligibility/<key>", methods=["GET", "POST"])
def eligibility_question(key: str):
    """Ask one eligibility question; the answer is kept in the session until an account exists."""
    question = service.question(key)
    if question is None:
        abort(404)
    answers = _answers()
    form = QuestionForm.for_question(
        question.question, question.options, question.required_message, question.hint, data={"answer": answers.get(key)}
    )
    if form.validate_on_submit():
        answers[key] = form.answer.data
        session[SESSION_ELIGIBILITY] = answers
        return _go(service.step_after(key, answers))
    previous = service.previous_question(key)
    back = (
        url_for("candidates.eligibility_question", key=previous)
        if previous
        else url_for("candidates.eligibility_start")
    )
    return render_template(
        "candidates/question.html", form=form, title=question.question, back=back, caption="Check you can apply"
    )


@bp.route("/apply/eligibility/cannot-apply/<key>")
def eligibility_ineligible(key: str):
    """Explain plainly why this answer means the candidate cannot apply yet, and where else to go."""
    question = service.question(key)
    if question is None or _answers().get(key) in question.passes:
        abort(404)
    return render_template(
        "candidates/ineligible.html",
        question=question,
        national_careers=service.NATIONAL_CAREERS_SERVICE,
        find_council=service.FIND_YOUR_COUNCIL,
    )


@bp.route("/apply/eligibility/you-can-apply")
def eligibility_result():
    """Tell an eligible person they can apply, and send them to create an account or sign in."""
    step = service.next_step(_answers())
    if step[0] != "eligible" and not (
        current_user.is_authenticated and current_user.candidate and service.is_eligible(current_user.candidate)
    ):
        return _go(step)
    return render_template("candidates/eligible.html", placement=SESSION_PLACEMENT in session)
