"""Command-line tasks: `flask seed …`, `flask users create`, `flask outbox send`, `flask match run|publish|export`,
`flask tasks worker`, `flask recruiters remind`, `flask cycles close`, `flask interviews remind`, `flask offers expire`."""

import click
from flask import Flask
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Load reference or demo data.")
users_cli = AppGroup("users", help="Manage staff accounts.")
outbox_cli = AppGroup("outbox", help="Send queued emails.")
data_cli = AppGroup("data", help="Keep personal data only as long as needed.")
placements_cli = AppGroup("placements", help="Look after placements.")
match_cli = AppGroup("match", help="Run matching and export runs for audit.")
interviews_cli = AppGroup("interviews", help="Look after interviews.")
offers_cli = AppGroup("offers", help="Look after offers.")
tasks_cli = AppGroup("tasks", help="The background task queue.")
recruiters_cli = AppGroup("recruiters", help="Keep recruiters up to date.")
alerts_cli = AppGroup("alerts", help="Placement alerts.")
cycles_cli = AppGroup("cycles", help="Recruitment cycles.")


@alerts_cli.command("send")
def send_alerts_command():
    """Email each placement alert's owner the new placements that match it (run once a day)."""
    from .services.alerts import send_alerts

    report = send_alerts()
    click.echo(f"Checked {report.alerts} alert(s); queued {report.emails} email(s).")


@seed_cli.command("reference")
def seed_reference_command():
    """Load the London boroughs and the apprenticeship standards (idempotent)."""
    from .reference import seed_reference

    counts = seed_reference()
    click.echo(f"Reference data: {counts['boroughs']} boroughs, {counts['standards']} standards.")


@seed_cli.command("demo")
def seed_demo_command():
    """Create demo staff, placements and fictional candidates (idempotent; never in production)."""
    from .demo import seed_demo
    from .reference import seed_reference
    from .services.second_factor import DEMO_SECRET

    seed_reference()
    result = seed_demo()
    if result["created"]:
        run = result["run"]
        click.echo(
            f"Demo data: {result['placements']} live placements, {result['candidates']} candidates, "
            f"round 1 run with {run.suggestion_count} suggestions."
        )
        click.echo("Sign in as these candidates to see each stage:")
        for email, stage in result["showcase"]:
            click.echo(f"  {email}: {stage}")
    else:
        click.echo("Demo data already present.")
    click.echo("Demo sign-ins (demo only, never use these passwords elsewhere):")
    for email in result["staff"]:
        click.echo(f"  {email}  password: {result['staff_password']}")
    click.echo(
        f"  {result['candidate_example']} (and candidate2 … candidate300)  password: {result['candidate_password']}"
    )
    click.echo("Demo staff second factor: add this key to an authenticator app, or run `flask users demo-code`:")
    click.echo(f"  {DEMO_SECRET}  (development only: refused in production)")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["borough_staff", "recruiter", "analyst", "admin"]))
@click.option("--borough", "borough_slug", help="Borough slug, like hackney (borough_staff and recruiter only).")
@click.password_option(help="At least 12 characters; asked for if not given.")
def create_user_command(email, role, borough_slug, password):
    """Create a staff account."""
    from .services.accounts import create_staff_user
    from .services.errors import ServiceError

    try:
        user = create_staff_user(email, role, password, borough_slug)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role} {user.email}" + (f" for {user.borough.name}" if user.borough else ""))


def _user_by_email(email: str):
    from .services.accounts import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the email {email}")
    return user


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["borough_staff", "recruiter", "analyst", "admin"]))
@click.option("--borough", "borough_slug", help="Borough slug, like hackney (borough_staff and recruiter only).")
def set_role_command(email, role, borough_slug):
    """Give a staff account another role; every session it has ends at once."""
    from .services.accounts import change_role
    from .services.errors import ServiceError

    try:
        user = change_role(_user_by_email(email), role, borough_slug)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"{user.email} is now {user.role}"
        + (f" for {user.borough.name}" if user.borough else "")
        + "; signed out everywhere."
    )


@users_cli.command("disable")
@click.option("--email", required=True)
def disable_user_command(email):
    """Disable an account: it can no longer sign in, and every session it has ends at once."""
    from .services.accounts import set_active

    user = set_active(_user_by_email(email), False)
    click.echo(f"{user.email} is disabled and signed out everywhere.")


@users_cli.command("enable")
@click.option("--email", required=True)
def enable_user_command(email):
    """Enable a disabled account again."""
    from .services.accounts import set_active

    user = set_active(_user_by_email(email), True)
    click.echo(f"{user.email} can sign in again.")


@users_cli.command("reset-second-factor")
@click.option("--email", required=True)
def reset_second_factor_command(email):
    """Clear a user's second factor (lost phone); they set it up again at their next sign-in. Audited."""
    from .services.second_factor import reset

    user = _user_by_email(email)
    reset(user)
    click.echo(
        f"{user.email}'s second factor is reset and they are signed out everywhere; they set it up again at their next sign-in."
    )


@users_cli.command("demo-code")
def demo_code_command():
    """Print the current second-factor code of the demo staff accounts (development only)."""
    import pyotp
    from flask import current_app

    from .services.second_factor import DEMO_SECRET

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("The demo second factor is refused in production")
    click.echo(pyotp.TOTP(DEMO_SECRET).now())


@outbox_cli.command("send")
def send_outbox_command():
    """Send due emails once, retrying failures with backoff (workers do this by themselves: `flask tasks worker`)."""
    from .outbox import send_due_emails

    counts = send_due_emails()
    click.echo(f"Sent {counts['sent']}, will retry {counts['retrying']}, gave up on {counts['failed']}.")


@placements_cli.command("close-expired")
def close_expired_command():
    """Close live placements whose closing date has passed (run daily)."""
    from .services.placements import close_expired

    click.echo(f"Closed {close_expired()} placement(s) past their closing date.")


@data_cli.command("purge")
@click.option(
    "--months",
    type=click.IntRange(min=0),
    default=None,
    help="Keep applications this many months after their last placement closed (default: RETENTION_MONTHS).",
)
def purge_data_command(months):
    """Delete applications (with their accounts, choices, suggestions and equality answers) past retention."""
    from flask import current_app

    from .services.candidates.data import purge

    months = current_app.config["RETENTION_MONTHS"] if months is None else months
    count = purge(months)
    click.echo(
        f"Deleted {count} application{'s' if count != 1 else ''} whose placements all closed more than {months} months ago."
    )


@data_cli.command("recluster-answers")
def recluster_answers_command():
    """Rewrite the equality answers in pseudonym order, so no one can tell from the table when anyone answered."""
    from .services.monitoring import recluster_answers

    kept = recluster_answers()
    click.echo(f"Rewrote {kept} equality answer rows in pseudonym order.")


@match_cli.command("run")
@click.option(
    "--round",
    "round_number",
    type=click.IntRange(1, 2),
    default=1,
    show_default=True,
    help="1 suggests candidates to every live placement; 2 matches the candidates left without a "
    "suggestion to the places left (after round 1 is published).",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Tie-break lottery seed (random if not given).")
def match_run_command(round_number, seed):
    """Compute a run in this process as a preview (publish it with `flask match publish RUN_ID`)."""
    from .services.errors import ServiceError
    from .services.matching import run_match

    try:
        run = run_match(round_number, seed)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"Match run {run.id} (round {run.round}, seed {run.seed}): {run.suggestion_count} suggestion(s) for "
        f"{run.candidate_count} candidate(s) and {run.placement_count} placement(s) in {run.duration_ms} ms."
    )
    if run.note:
        click.echo(run.note)
    click.echo(f"This is a preview. Check it, then publish it with: flask match publish {run.id}")


@match_cli.command("publish")
@click.argument("run_id", type=click.IntRange(min=1))
def match_publish_command(run_id):
    """Publish a preview: recruiters and candidates see its suggestions, and candidates are emailed."""
    from .services.errors import ServiceError
    from .services.matching import publish_run

    try:
        run, published_now = publish_run(run_id, None)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"Published match run {run.id}: {run.suggestion_count} suggestion(s)."
        if published_now
        else f"Match run {run.id} was already published."
    )


@match_cli.command("export")
@click.argument("run_id", type=int)
@click.option(
    "--output", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default: print it)."
)
def match_export_command(run_id, output):
    """Write a run's instance and assignment as JSON, for `python -m matching check`."""
    import json

    from .services.matching import export_run

    data = export_run(run_id)
    if data is None:
        raise click.ClickException(f"There is no match run {run_id}")
    json.dump(data, output, indent=1, sort_keys=True)
    output.write("\n")


@interviews_cli.command("remind")
def interviews_remind_command():
    """Email everyone with an interview tomorrow a reminder (the worker does this daily at 18:00; each booking is reminded once)."""
    from .services.interviews import send_reminders

    click.echo(f"Interview reminders queued: {send_reminders()}.")


@offers_cli.command("expire")
def offers_expire_command():
    """Close offers not answered by their deadline, freeing the positions (the worker does this daily at 00:15)."""
    from .services.offers import expire_offers

    click.echo(f"Offers closed: {expire_offers()}.")


@tasks_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Worker threads.")
def tasks_worker_command(workers):
    """Run a task-queue worker with the scheduler of periodic tasks, until stopped (Ctrl+C)."""
    import logging

    from .extensions import this_app
    from .tasks import run_worker

    # The worker's log is where development emails are written in full: show INFO lines on the terminal.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_worker(this_app(), workers)


@recruiters_cli.command("remind")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="Remind about suggestions untouched for this many days.",
)
def remind_recruiters_command(days):
    """Email recruiters whose borough has suggestions waiting for a decision (the worker does this weekly)."""
    from .services.reminders import remind_recruiters

    click.echo(f"Reminded {remind_recruiters(days)} recruiter(s).")


@cycles_cli.command("close")
@click.argument("cycle_id", type=int)
def close_cycle_command(cycle_id):
    """Close a recruitment cycle, saving its report as aggregate counts (later deletions leave it unchanged)."""
    from .candidates.forms import OUTREACH_CHANNELS
    from .services.cycles import close_cycle
    from .services.errors import ServiceError

    try:
        saved = close_cycle(cycle_id, [key for key, _ in OUTREACH_CHANNELS])
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Closed cycle {cycle_id}; saved {saved} counts for its report.")


def init_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    for group in (
        seed_cli,
        users_cli,
        outbox_cli,
        placements_cli,
        data_cli,
        match_cli,
        cycles_cli,
        interviews_cli,
        offers_cli,
        tasks_cli,
        recruiters_cli,
        alerts_cli,
    ):
        app.cli.add_command(group)
