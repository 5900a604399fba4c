"""The candidate's offers: read the letter (print it or download the PDF), then accept or decline it."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import own_suggestion_or_404
from ..services import offers as service
from ..services.errors import ServiceError
from . import bp, candidate_view
from .forms import ConfirmForm


def _offer_or_404(suggestion):
    return service.offer_for(suggestion) or abort(404)


@bp.route("/candidates/suggestions/<int:suggestion_id>/offer")
@candidate_view()
def offer(candidate, suggestion_id: int):
    """The offer letter, with what to do next and by when."""
    suggestion = own_suggestion_or_404(candidate, suggestion_id)
    found = _offer_or_404(suggestion)
    return render_template(
        "candidates/offer.html",
        suggestion=suggestion,
        offer=found,
        lines=service.letter_lines(found),
        open=found.answer is None and suggestion.stage == "offered" and not service.deadline_passed(found),
    )


@bp.route("/candidates/suggestions/<int:suggestion_id>/offer-letter.pdf")
@candidate_view()
def offer_letter(candidate, suggestion_id: int):
    """The offer letter as a PDF."""
    found = _offer_or_404(own_suggestion_or_404(candidate, suggestion_id))
    return Response(
        service.offer_letter_pdf(found),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="offer-letter.pdf"'},
    )


@bp.route("/candidates/suggestions/<int:suggestion_id>/offer/<any(accept, decline):answer>", methods=["GET", "POST"])
@candidate_view()
def answer_offer(candidate, suggestion_id: int, answer: str):
    """Accept or decline the offer, after a confirmation page."""
    suggestion = own_suggestion_or_404(candidate, suggestion_id)
    found = _offer_or_404(suggestion)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            (service.accept if answer == "accept" else service.decline)(suggestion, current_user.id)
        except ServiceError as error:
            flash(error.message, "error")
            return redirect(url_for("candidates.offer", suggestion_id=suggestion.id))
        flash(
            f"You have accepted the {suggestion.placement.title} apprenticeship. We have emailed you and told the borough."
            if answer == "accept"
            else f"You have declined the {suggestion.placement.title} offer. We have told the borough.",
            "success",
        )
        return redirect(url_for("candidates.dashboard"))
    back = url_for("candidates.offer", suggestion_id=suggestion.id)
    if answer == "accept":
        return render_template(
            "candidates/confirm.html",
            form=form,
            back=back,
            warning=False,
            title=f"Accept the offer for {suggestion.placement.title}?",
            body=[
                f"{suggestion.placement.borough.name} expects you to start on {found.start_date:%A} "
                f"{found.start_date.day} {found.start_date:%B %Y}.",
                "If you accept, your other suggestions close. Other boroughs will stop looking at your application.",
            ],
            button="Accept the offer",
        )
    return render_template(
        "candidates/confirm.html",
        form=form,
        back=back,
        warning=True,
        title=f"Decline the offer for {suggestion.placement.title}?",
        body=[
            "The borough will offer the position to someone else. Your other suggestions carry on.",
            "You cannot undo this.",
        ],
        button="Decline the offer",
    )
