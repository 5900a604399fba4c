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
    queue_email(user.email, "confirm_email", "Confirm your email address",
                link=_link("accounts.confirm_email", token=token))


def email_password_reset(user, token: str) -> None:
    """Send a link to choose a new password."""
    queue_email(user.email, "reset_password", "Reset your password",
                link=_link("accounts.reset_password", token=token))


def email_account_exists(email: str) -> None:
    """Tell someone who tried to register again that they already have an account."""
    queue_email(email, "account_exists", "You already have an account",
                link=_link("accounts.sign_in"), reset_link=_link("accounts.forgot_password"))


def email_application_received(candidate) -> None:
    """Tell a candidate their application has arrived, and what happens next."""
    queue_email(candidate.user.email, "application_received", "We have received your application",
                name=candidate.display_name, choices=[p.vacancy.title for p in candidate.preferences],
                consider_other=candidate.consider_other_placements,
                link=_link("candidates.dashboard"), monitoring_link=_link("candidates.monitoring_start"))


def email_match_shortlisted(match) -> None:
    """Tell a candidate a borough has shortlisted them for a placement."""
    queue_email(match.candidate.user.email, "match_shortlisted", "You have been shortlisted",
                name=match.candidate.display_name, title=match.vacancy.title, borough=match.vacancy.borough.name,
                link=_link("candidates.dashboard"))


def _about_match(match) -> dict:
    """What every email about one suggestion says: who, which placement, which borough, where to look."""
    return {"name": match.candidate.display_name, "title": match.vacancy.title, "borough": match.vacancy.borough.name,
            "link": _link("candidates.dashboard")}


def email_matches_suggested(suggestions) -> int:
    """Tell each candidate a published run suggested for a placement, one email per (email, name, title, borough)."""
    link = _link("candidates.dashboard")
    return queue_emails(email_rows("match_suggested", (
        (email, "You have been suggested for an apprenticeship", {"name": name, "title": title, "borough": borough,
                                                                  "link": link})
        for email, name, title, borough in suggestions)))


def email_match_interview(match) -> None:
    """Invite a candidate to an interview for a placement."""
    queue_email(match.candidate.user.email, "match_interview", "You are invited to an interview", **_about_match(match))


def email_match_accepted(match) -> None:
    """Confirm to a candidate that their acceptance of an offer is recorded."""
    queue_email(match.candidate.user.email, "match_accepted", "Your apprenticeship is confirmed", **_about_match(match))


def email_placement_filled(match) -> None:
    """Tell a candidate, kindly, that a placement they were suggested for has filled its places."""
    queue_email(match.candidate.user.email, "placement_filled", "A placement you were suggested for has been filled",
                **_about_match(match))


def email_match_offered(match) -> None:
    """Tell a candidate they have been offered a placement."""
    queue_email(match.candidate.user.email, "match_offered", "You have been offered an apprenticeship",
                name=match.candidate.display_name, title=match.vacancy.title, borough=match.vacancy.borough.name,
                link=_link("candidates.dashboard"))


def email_match_rejected(match) -> None:
    """Tell a candidate a borough is not going ahead with them for a placement, with its feedback."""
    queue_email(match.candidate.user.email, "match_rejected", "An update on your application",
                name=match.candidate.display_name, title=match.vacancy.title, borough=match.vacancy.borough.name,
                feedback=match.feedback, link=_link("candidates.dashboard"))


def email_recruiter_reminder(recruiter, waiting: int, days: int) -> None:
    """Remind a recruiter that suggestions for their borough have waited `days` days or more for a decision."""
    queue_email(recruiter.email, "recruiter_reminder", "Suggested candidates are waiting for your decision",
                waiting=waiting, days=days, borough=recruiter.borough.name, link=_link("recruiters.index"))


def email_round_outcomes(round_number: int, people) -> int:
    """Tell each candidate a round did not suggest why, for each placement they chose: one email per (email, name, reasons)."""
    link = _link("candidates.dashboard")
    subject = f"Round {round_number}: why we have not suggested you for a placement"
    return queue_emails(email_rows("round_outcome", (
        (email, subject, {"name": name, "round": round_number, "reasons": reasons, "link": link})
        for email, name, reasons in people)))


def email_staff_invitation(user, token: str) -> None:
    """Invite a new staff member to choose their password and sign in."""
    queue_email(user.email, "staff_invitation", "You have been invited to London Digital Apprenticeships",
                role=user.role.replace("_", " "), borough=user.borough.name if user.borough else None,
                link=_link("accounts.reset_password", token=token))


def email_placement_alert(recipient: str, description: str, results, token: str) -> None:
    """Send someone the new placements that match one of their alerts, with a one-click unsubscribe link."""
    placements = [{"title": v.title, "borough": v.borough.name, "level": v.standard.level,
                   "closes": f"{v.closing_date.day} {v.closing_date:%B %Y}",
                   "link": _link("vacancies.detail", vacancy_id=v.id)} for v, _ in results.items]
    queue_email(recipient, "placement_alert", "New placements for your alert", description=description,
                placements=placements, more=results.total - len(placements), search_link=_link("vacancies.search"),
                unsubscribe_link=_link("alerts.unsubscribe", token=token), manage_link=_link("alerts.index"))
