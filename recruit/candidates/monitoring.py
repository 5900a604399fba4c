"""Equality monitoring: optional questions after sending the application, kept apart under a pseudonym."""

from flask import abort, flash, redirect, render_template, request, url_for

from ..reference import equality_questions
from ..services import monitoring as service
from . import bp, candidate_view
from .forms import ConfirmForm, QuestionForm
from .summary import return_query

# The questions keep the national wording word for word (so answers compare with the Census); these plain words
# explain the terms a candidate may not know, on the question's own page.
EXPLAINED = {
    "ethnicity": "Your ethnic group is about your family's background and culture. Choose the one that fits you best.",
    "gender_identity": "Your sex registered at birth is the sex on your birth certificate.",
    "sexual_orientation": "This means who you are attracted to.",
    "long_term_condition": "This means a health problem of your body or mind that has lasted, or will last, a year or more.",
    "condition_reduces_activity": "This means things you do each day, like getting dressed, going out, school or work.",
    "religion": "Choose the one you feel you belong to, if any.",
    "socio_economic": "This means the job of the person who earned the most money in your home when you were about 14. "
    'If you are not sure, choose "I don\'t know".',
    "care_leaver": "This means living with foster carers, in a children's home, or somewhere else the council arranged.",
}
OPTIONAL = "You do not have to answer. You can leave it and go on to the next one."


def _submitted_only(candidate):
    if candidate.submitted_at is None:
        flash("Send your application first. Then you can answer the equality questions.", "info")
        return redirect(url_for("candidates.dashboard"))
    return None


def answer_rows(answers: dict, candidate) -> list[dict]:
    rows = []
    for question in service.questions_for(answers):
        labels = {o["value"]: o["label"] for o in question["options"]}
        rows.append(
            {
                "question": question["question"],
                "answer": labels.get(answers.get(question["key"]), "Not answered"),
                "href": url_for("candidates.monitoring_question", key=question["key"], **return_query("summary")),
            }
        )
    band = next(q for q in equality_questions() if q["key"] == "age_band")
    own_band = service.own_age_band(candidate)
    if own_band:
        labels = {o["value"]: o["label"] for o in band["options"]}
        rows.append(
            {
                "question": "Age group (worked out from your date of birth, not asked or stored with your answers)",
                "answer": labels.get(own_band, ""),
                "href": None,
            }
        )
    return rows


@bp.route("/candidates/equality-questions")
@candidate_view()
def monitoring_start(candidate):
    """Why we ask, who sees the answers (nobody who decides), and the candidate's own answers if any."""
    redirect_response = _submitted_only(candidate)
    if redirect_response:
        return redirect_response
    answers = service.own_answers(candidate.id)
    first = service.next_question(None, answers or {})
    return render_template(
        "candidates/monitoring_start.html",
        answers=answers,
        rows=answer_rows(answers, candidate) if answers is not None else [],
        first=first,
    )


@bp.route("/candidates/equality-questions/<key>", methods=["GET", "POST"])
@candidate_view()
def monitoring_question(candidate, key: str):
    """One optional equality question; leaving it unanswered is fine."""
    redirect_response = _submitted_only(candidate)
    if redirect_response:
        return redirect_response
    answers = service.own_answers(candidate.id) or {}
    changing_one = request.args.get("return") == "summary"  # "Change" on the summary comes straight back to it
    question = service.question(key)
    if question is None or not service.applies(question, answers):
        abort(404)
    form = QuestionForm.for_question(
        question["question"],
        [(o["value"], o["label"]) for o in question["options"]],
        "Select an answer, or select Prefer not to say",
        " ".join(filter(None, (EXPLAINED.get(key), OPTIONAL))),
        optional=True,
        data={"answer": answers.get(key)},
    )
    if form.validate_on_submit():
        if form.answer.data:
            service.save_answer(candidate, key, form.answer.data)
            answers = service.own_answers(candidate.id) or {}
        following = None if changing_one else service.next_question(key, answers)
        if following is None:
            if answers:
                flash("Thank you. Your equality answers are saved.", "success")
            return redirect(url_for("candidates.monitoring_start"))
        return redirect(url_for("candidates.monitoring_question", key=following["key"]))
    keys = [q["key"] for q in service.questions_for(answers)]
    index = keys.index(key)
    back = (
        url_for("candidates.monitoring_question", key=keys[index - 1])
        if index and not changing_one
        else url_for("candidates.monitoring_start")
    )
    return render_template(
        "candidates/question.html",
        form=form,
        title=question["question"],
        back=back,
        caption=f"Equality questions ({index + 1} of {len(keys)})",
        skip=True,
    )


@bp.route("/candidates/equality-questions/withdraw", methods=["GET", "POST"])
@candidate_view()
def monitoring_withdraw(candidate):
    """Withdraw the equality answers: they are deleted."""
    form = ConfirmForm()
    if form.validate_on_submit():
        service.withdraw_answers(candidate)
        flash("Your equality answers have been deleted", "success")
        return redirect(url_for("candidates.dashboard"))
    return render_template(
        "candidates/confirm.html",
        form=form,
        title="Are you sure you want to delete your equality answers?",
        body=[
            "We will delete all your answers to the equality questions. This does not affect your application.",
            "You can answer them again at any time.",
        ],
        button="Delete my answers",
        back=url_for("candidates.monitoring_start"),
        warning=False,
    )
