"""One named function per email the service sends; each queues it in the outbox."""

from flask import current_app, has_request_context, url_for

from .outbox import email_rows, queue_email, queue_emails


def _link(endpoint: str, **values) -> str:
    """An absolute link built on PUBLIC_BASE_URL, never on the request's Host header (which a sender controls)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def email_confirm_address(user, token: str) -> None:
    """Ask a new user to confirm their email address."""
    queue_email(
        user.email, "confirm_email", "Confirm your email address", link=_link("accounts.confirm_email", token=token)
    )


def email_password_reset(user, token: str) -> None:
    """Send a link to choose a new password."""
    queue_email(user.email, "reset_password", "Reset your password", link=_link("accounts.reset_password", token=token))


def email_account_exists(email: str) -> None:
    """Tell someone who tried to register again that they already have an account."""
    queue_email(
        email,
        "account_exists",
        "You already have an account",
        link=_link("accounts.sign_in"),
        reset_link=_link("accounts.forgot_password"),
    )


def email_application_received(candidate) -> None:
    """Tell a candidate their application has arrived, and what happens next."""
    queue_email(
        candidate.user.email,
        "application_received",
        "We have received your application",
        name=candidate.display_name,
        choices=[p.placement.title for p in candidate.choices],
        consider_other=candidate.consider_other_placements,
        link=_link("candidates.dashboard"),
        monitoring_link=_link("candidates.monitoring_start"),
    )


def email_suggestion_shortlisted(suggestion) -> None:
    """Tell a candidate a borough has shortlisted them for a placement, and invite them to book an interview."""
    queue_email(
        suggestion.candidate.user.email,
        "suggestion_shortlisted",
        "You have been shortlisted: choose an interview time",
        name=suggestion.candidate.display_name,
        title=suggestion.placement.title,
        borough=suggestion.placement.borough.name,
        link=_link("candidates.dashboard"),
        book_link=_link("candidates.interview", suggestion_id=suggestion.id),
    )


def email_invited_to_interview(suggestion) -> None:
    """Tell a shortlisted candidate the borough wants to interview them, and how to choose a time."""
    queue_email(
        suggestion.candidate.user.email,
        "invited_to_interview",
        "You are invited to an interview",
        name=suggestion.candidate.display_name,
        title=suggestion.placement.title,
        borough=suggestion.placement.borough.name,
        book_link=_link("candidates.interview", suggestion_id=suggestion.id),
    )


def _about_suggestion(suggestion) -> dict:
    """What every email about one suggestion says: who, which placement, which borough, where to look."""
    return {
        "name": suggestion.candidate.display_name,
        "title": suggestion.placement.title,
        "borough": suggestion.placement.borough.name,
        "link": _link("candidates.dashboard"),
    }


def email_suggestions_suggested(suggestions) -> int:
    """Tell each candidate a published run suggested for a placement, one email per (email, name, title, borough)."""
    link = _link("candidates.dashboard")
    return queue_emails(
        email_rows(
            "suggestion_suggested",
            (
                (
                    email,
                    "You have been suggested for an apprenticeship",
                    {"name": name, "title": title, "borough": borough, "link": link},
                )
                for email, name, title, borough in suggestions
            ),
        )
    )


def email_suggestion_interview(suggestion) -> None:
    """Invite a candidate to an interview for a placement."""
    queue_email(
        suggestion.candidate.user.email,
        "suggestion_interview",
        "You are invited to an interview",
        **_about_suggestion(suggestion),
    )


def email_suggestion_accepted(suggestion) -> None:
    """Confirm to a candidate that their acceptance of an offer is recorded."""
    queue_email(
        suggestion.candidate.user.email,
        "suggestion_accepted",
        "Your apprenticeship is confirmed",
        **_about_suggestion(suggestion),
    )


def email_placement_filled(suggestion) -> None:
    """Tell a candidate, kindly, that a placement they were suggested for has filled its places."""
    queue_email(
        suggestion.candidate.user.email,
        "placement_filled",
        "A placement you were suggested for has been filled",
        **_about_suggestion(suggestion),
    )


def email_interview_times_ready(suggestion) -> None:
    """Tell a shortlisted candidate who had no time to choose that interview times are now open."""
    queue_email(
        suggestion.candidate.user.email,
        "interview_times_ready",
        "Interview times are ready to book",
        name=suggestion.candidate.display_name,
        title=suggestion.placement.title,
        borough=suggestion.placement.borough.name,
        book_link=_link("candidates.interview", suggestion_id=suggestion.id),
    )


def _calendar(ics: bytes, cancelled: bool = False) -> list[dict]:
    name = "interview-cancelled.ics" if cancelled else "interview.ics"
    method = "CANCEL" if cancelled else "REQUEST"
    return [
        {
            "filename": name,
            "content_type": f"text/calendar; method={method}; charset=utf-8",
            "text": ics.decode("utf-8"),
        }
    ]


def _interview_context(booking) -> dict:
    from .services.interviews import when_text, where_text  # the service imports this module

    suggestion, slot = booking.suggestion, booking.slot
    return dict(
        title=suggestion.placement.title,
        borough=suggestion.placement.borough.name,
        when=when_text(slot),
        where=where_text(slot),
        reference=f"C-{suggestion.candidate_id:04d}",
    )


def email_interview_booked(booking, ics: bytes, moved: bool = False) -> None:
    """Confirm a booked (or moved) interview to the candidate and each interviewer, with a calendar file."""
    context, suggestion = _interview_context(booking), booking.suggestion
    subject = "Your interview time has changed" if moved else "Your interview is booked"
    queue_email(
        suggestion.candidate.user.email,
        "interview_booked",
        subject,
        attachments=_calendar(ics),
        moved=moved,
        name=suggestion.candidate.display_name,
        link=_link("candidates.interview", suggestion_id=suggestion.id),
        **context,
    )
    for interviewer in booking.slot.interviewers:
        queue_email(
            interviewer.email,
            "interview_booked_interviewer",
            f"Interview {'moved' if moved else 'booked'}: {suggestion.placement.title}",
            attachments=_calendar(ics),
            moved=moved,
            candidate=f"{suggestion.candidate.first_name} {suggestion.candidate.last_name}",
            link=_link("recruiters.interviews", placement_id=suggestion.placement_id),
            **context,
        )


def email_interview_cancelled(booking, ics: bytes, candidate_told: bool = True) -> None:
    """Tell the candidate (unless a decision email tells them already) and each interviewer that an interview is
    cancelled, with a calendar cancellation."""
    context, suggestion = _interview_context(booking), booking.suggestion
    if candidate_told:
        queue_email(
            suggestion.candidate.user.email,
            "interview_cancelled",
            "Your interview is cancelled",
            attachments=_calendar(ics, cancelled=True),
            name=suggestion.candidate.display_name,
            to_interviewer=False,
            link=_link("candidates.interview", suggestion_id=suggestion.id),
            **context,
        )
    for interviewer in booking.slot.interviewers:
        queue_email(
            interviewer.email,
            "interview_cancelled",
            f"Interview cancelled: {suggestion.placement.title}",
            attachments=_calendar(ics, cancelled=True),
            to_interviewer=True,
            candidate=f"{suggestion.candidate.first_name} {suggestion.candidate.last_name}",
            link=_link("recruiters.interviews", placement_id=suggestion.placement_id),
            **context,
        )


def email_interview_reminder(booking) -> None:
    """Remind the candidate of their interview the day before."""
    suggestion = booking.suggestion
    queue_email(
        suggestion.candidate.user.email,
        "interview_reminder",
        "Reminder: your interview is tomorrow",
        name=suggestion.candidate.display_name,
        link=_link("candidates.interview", suggestion_id=suggestion.id),
        **_interview_context(booking),
    )


def email_no_time_suits(recruiter, request) -> None:
    """Tell a recruiter that a shortlisted candidate cannot make any of the interview times."""
    suggestion = request.suggestion
    queue_email(
        recruiter.email,
        "no_time_suits",
        f"No interview time suits a candidate: {suggestion.placement.title}",
        title=suggestion.placement.title,
        candidate=f"{suggestion.candidate.first_name} {suggestion.candidate.last_name}",
        message=request.message,
        link=_link("recruiters.interviews", placement_id=suggestion.placement_id),
    )


def email_suggestion_rejected(suggestion) -> None:
    """Tell a candidate a borough is not going ahead with them for a placement, with its feedback."""
    queue_email(
        suggestion.candidate.user.email,
        "suggestion_rejected",
        "An update on your application",
        name=suggestion.candidate.display_name,
        title=suggestion.placement.title,
        borough=suggestion.placement.borough.name,
        feedback=suggestion.feedback,
        link=_link("candidates.dashboard"),
    )


def _offer_context(offer) -> dict:
    from .services.offers import letter_lines  # the service imports this module

    suggestion = offer.suggestion
    return dict(
        title=suggestion.placement.title,
        borough=suggestion.placement.borough.name,
        lines=letter_lines(offer),
        respond_by=f"{offer.respond_by:%A} {offer.respond_by.day} {offer.respond_by:%B %Y}",
        candidate=f"{suggestion.candidate.first_name} {suggestion.candidate.last_name}",
        reference=f"C-{suggestion.candidate_id:04d}",
    )


def email_offer_made(offer, pdf: bytes) -> None:
    """Send the candidate their offer letter (PDF attached) and ask them to answer by the deadline."""
    import base64

    suggestion = offer.suggestion
    queue_email(
        suggestion.candidate.user.email,
        "offer_made",
        "You have been offered an apprenticeship",
        attachments=[
            {
                "filename": "offer-letter.pdf",
                "content_type": "application/pdf",
                "base64": base64.b64encode(pdf).decode("ascii"),
            }
        ],
        name=suggestion.candidate.display_name,
        link=_link("candidates.offer", suggestion_id=suggestion.id),
        **_offer_context(offer),
    )


def email_offer_accepted(offer, recruiter_emails: list[str]) -> None:
    """Confirm the acceptance to the candidate, and tell the placement's recruiters."""
    suggestion, context = offer.suggestion, _offer_context(offer)
    queue_email(
        suggestion.candidate.user.email,
        "offer_accepted",
        "You have accepted your apprenticeship",
        name=suggestion.candidate.display_name,
        to_recruiter=False,
        link=_link("candidates.dashboard"),
        **context,
    )
    for email in recruiter_emails:
        queue_email(
            email,
            "offer_accepted",
            f"Offer accepted: {suggestion.placement.title}",
            to_recruiter=True,
            link=_link("recruiters.suggestion", suggestion_id=suggestion.id),
            **context,
        )


def email_offer_declined(offer, recruiter_emails: list[str], expired: bool) -> None:
    """Tell the candidate and the placement's recruiters that an offer was declined, or was not answered in time."""
    suggestion, context = offer.suggestion, _offer_context(offer)
    subject = "Your offer has closed" if expired else "You have declined your offer"
    queue_email(
        suggestion.candidate.user.email,
        "offer_declined",
        subject,
        name=suggestion.candidate.display_name,
        to_recruiter=False,
        expired=expired,
        link=_link("candidates.dashboard"),
        **context,
    )
    for email in recruiter_emails:
        queue_email(
            email,
            "offer_declined",
            f"Offer {'not answered in time' if expired else 'declined'}: {suggestion.placement.title}",
            to_recruiter=True,
            expired=expired,
            link=_link("recruiters.placement", placement_id=suggestion.placement_id),
            **context,
        )


def email_candidate_went_elsewhere(recruiter, suggestion) -> None:
    """Tell a recruiter that a candidate they were considering accepted another placement."""
    queue_email(
        recruiter.email,
        "candidate_went_elsewhere",
        f"A candidate accepted another placement: {suggestion.placement.title}",
        title=suggestion.placement.title,
        reference=f"C-{suggestion.candidate_id:04d}",
        link=_link("recruiters.placement", placement_id=suggestion.placement_id),
    )


def email_start_recorded(offer) -> None:
    """Welcome the apprentice once the borough records that they have started."""
    suggestion = offer.suggestion
    queue_email(
        suggestion.candidate.user.email,
        "start_recorded",
        "Welcome to your apprenticeship",
        name=suggestion.candidate.display_name,
        title=suggestion.placement.title,
        borough=suggestion.placement.borough.name,
        started_on=f"{offer.started_on.day} {offer.started_on:%B %Y}",
        link=_link("candidates.dashboard"),
    )


def email_recruiter_reminder(recruiter, waiting: int, days: int) -> None:
    """Remind a recruiter that suggestions for their borough have waited `days` days or more for a decision."""
    queue_email(
        recruiter.email,
        "recruiter_reminder",
        "Suggested candidates are waiting for your decision",
        waiting=waiting,
        days=days,
        borough=recruiter.borough.name,
        link=_link("recruiters.index"),
    )


def email_round_outcomes(round_number: int, people) -> int:
    """Tell each candidate a round did not suggest why, for each placement they chose: one email per (email, name, reasons)."""
    link = _link("candidates.dashboard")
    subject = f"Round {round_number}: why we have not suggested you for a placement"
    return queue_emails(
        email_rows(
            "round_outcome",
            (
                (email, subject, {"name": name, "round": round_number, "reasons": reasons, "link": link})
                for email, name, reasons in people
            ),
        )
    )


def email_staff_invitation(user, token: str) -> None:
    """Invite a new staff member to choose their password and sign in."""
    queue_email(
        user.email,
        "staff_invitation",
        "You have been invited to London Digital Apprenticeships",
        role=user.role.replace("_", " "),
        borough=user.borough.name if user.borough else None,
        link=_link("accounts.reset_password", token=token),
    )


def email_placement_alert(recipient: str, description: str, results, token: str) -> None:
    """Send someone the new placements that match one of their alerts, with a one-click unsubscribe link."""
    placements = [
        {
            "title": v.title,
            "borough": v.borough.name,
            "level": v.standard.level,
            "closes": f"{v.closing_date.day} {v.closing_date:%B %Y}",
            "link": _link("placements.detail", placement_id=v.id),
        }
        for v, _ in results.items
    ]
    queue_email(
        recipient,
        "placement_alert",
        "New placements for your alert",
        description=description,
        placements=placements,
        more=results.total - len(placements),
        search_link=_link("placements.search"),
        unsubscribe_link=_link("alerts.unsubscribe", token=token),
        manage_link=_link("alerts.index"),
    )
