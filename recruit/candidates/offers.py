"""The candidate's offers: read the letter (print it or download the PDF), then accept or decline it."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import own_match_or_404
from ..services import offers as service
from . import bp, candidate_view
from .forms import ConfirmForm


def _offer_or_404(match):
    return service.offer_for(match) or abort(404)


@bp.route("/candidates/suggestions/<int:match_id>/offer")
@candidate_view()
def offer(candidate, match_id: int):
    """The offer letter, with what to do next and by when."""
    match = own_match_or_404(candidate, match_id)
    found = _offer_or_404(match)
    return render_template("candidates/offer.html", match=match, offer=found, lines=service.letter_lines(found),
                           open=found.answer is None and match.stage == "offered" and not service.deadline_passed(found))


@bp.route("/candidates/suggestions/<int:match_id>/offer-letter.pdf")
@candidate_view()
def offer_letter(candidate, match_id: int):
    """The offer letter as a PDF."""
    found = _offer_or_404(own_match_or_404(candidate, match_id))
    return Response(service.offer_letter_pdf(found), mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="offer-letter.pdf"'})


@bp.route("/candidates/suggestions/<int:match_id>/offer/<any(accept, decline):answer>", methods=["GET", "POST"])
@candidate_view()
def answer_offer(candidate, match_id: int, answer: str):
    """Accept or decline the offer, after a confirmation page."""
    match = own_match_or_404(candidate, match_id)
    found = _offer_or_404(match)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            (service.accept if answer == "accept" else service.decline)(match, current_user.id)
        except service.OfferError as error:
            flash(error.message, "error")
            return redirect(url_for("candidates.offer", match_id=match.id))
        flash(f"You have accepted the {match.vacancy.title} apprenticeship. We have emailed you and told the borough."
              if answer == "accept" else f"You have declined the {match.vacancy.title} offer. We have told the borough.",
              "success")
        return redirect(url_for("candidates.dashboard"))
    back = url_for("candidates.offer", match_id=match.id)
    if answer == "accept":
        return render_template("candidates/confirm.html", form=form, back=back, warning=False,
                               title=f"Accept the offer for {match.vacancy.title}?",
                               body=[f"{match.vacancy.borough.name} expects you to start on {found.start_date:%A} "
                                     f"{found.start_date.day} {found.start_date:%B %Y}.",
                                     "If you accept, your other suggestions close. Other boroughs will stop looking at "
                                     "your application."],
                               button="Accept the offer")
    return render_template("candidates/confirm.html", form=form, back=back, warning=True,
                           title=f"Decline the offer for {match.vacancy.title}?",
                           body=["The borough will offer the position to someone else. Your other suggestions carry on.",
                                 "You cannot undo this."], button="Decline the offer")
