"""Command-line tasks: `flask seed …`, `flask users create`, `flask outbox send`, `flask match run|export`,
`flask cycles close`, `flask interviews remind`, `flask offers expire`."""

import click
from flask import Flask
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Load reference or demo data.")
users_cli = AppGroup("users", help="Manage staff accounts.")
outbox_cli = AppGroup("outbox", help="Send queued emails.")
data_cli = AppGroup("data", help="Keep personal data only as long as needed.")
vacancies_cli = AppGroup("vacancies", help="Look after placements.")
match_cli = AppGroup("match", help="Run matching and export runs for audit.")
interviews_cli = AppGroup("interviews", help="Look after interviews.")
offers_cli = AppGroup("offers", help="Look after offers.")
cycles_cli = AppGroup("cycles", help="Recruitment cycles.")


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

    seed_reference()
    result = seed_demo()
    if result["created"]:
        click.echo(f"Demo data: {result['vacancies']} live placements, {result['candidates']} candidates.")
    else:
        click.echo("Demo data already present.")
    click.echo("Demo sign-ins (demo only, never use these passwords elsewhere):")
    for email in result["staff"]:
        click.echo(f"  {email}  password: {result['staff_password']}")
    click.echo(f"  {result['candidate_example']} (and candidate2 … candidate300)  password: {result['candidate_password']}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["borough_staff", "recruiter", "analyst", "admin"]))
@click.option("--borough", "borough_slug", help="Borough slug, like hackney (borough_staff and recruiter only).")
@click.password_option(help="At least 12 characters; asked for if not given.")
def create_user_command(email, role, borough_slug, password):
    """Create a staff account."""
    from .services.accounts import AccountError, create_staff_user

    try:
        user = create_staff_user(email, role, password, borough_slug)
    except AccountError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role} {user.email}" + (f" for {user.borough.name}" if user.borough else ""))


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
def send_outbox_command(loop, interval):
    """Send due emails, retrying failures with backoff."""
    from .outbox import run_worker, send_due_emails

    if loop:
        run_worker(interval)
    else:
        counts = send_due_emails()
        click.echo(f"Sent {counts['sent']}, will retry {counts['retrying']}, gave up on {counts['failed']}.")


@vacancies_cli.command("close-expired")
def close_expired_command():
    """Close live placements whose closing date has passed (run daily)."""
    from .services.vacancies import close_expired

    click.echo(f"Closed {close_expired()} placement(s) past their closing date.")


@data_cli.command("purge")
@click.option("--months", type=click.IntRange(min=0), default=None,
              help="Keep applications this many months after their last placement closed (default: RETENTION_MONTHS).")
def purge_data_command(months):
    """Delete applications (with their accounts, choices, suggestions and equality answers) past retention."""
    from flask import current_app

    from .services.candidates.data import purge

    months = current_app.config["RETENTION_MONTHS"] if months is None else months
    count = purge(months)
    click.echo(f"Deleted {count} application{'s' if count != 1 else ''} whose placements all closed more than {months} months ago.")


@data_cli.command("recluster-answers")
def recluster_answers_command():
    """Rewrite the equality answers in pseudonym order, so no one can tell from the table when anyone answered."""
    from .services.monitoring import recluster_answers

    kept = recluster_answers()
    click.echo(f"Rewrote {kept} equality answer rows in pseudonym order.")


@match_cli.command("run")
@click.option("--round", "round_number", type=click.IntRange(1, 2), default=1, show_default=True,
              help="1 starts a new cycle; 2 matches the candidates left without a suggestion to the places left.")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Tie-break lottery seed (random if not given).")
def match_run_command(round_number, seed):
    """Suggest candidates to live placements and record the run."""
    from .services.matching import MatchError, run_match

    try:
        run = run_match(round_number, seed)
    except MatchError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Match run {run.id} (round {run.round}, seed {run.seed}): {run.match_count} suggestion(s) for "
               f"{run.candidate_count} candidate(s) and {run.vacancy_count} placement(s) in {run.duration_ms} ms.")
    if run.note:
        click.echo(run.note)


@match_cli.command("export")
@click.argument("run_id", type=int)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default: print it).")
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
    """Email everyone with an interview tomorrow a reminder (run once a day; each booking is reminded once)."""
    from .services.interviews import send_reminders

    click.echo(f"Interview reminders queued: {send_reminders()}.")


@offers_cli.command("expire")
def offers_expire_command():
    """Close offers not answered by their deadline, freeing the positions (run daily, just after midnight)."""
    from .services.offers import expire_offers

    click.echo(f"Offers closed: {expire_offers()}.")


@cycles_cli.command("close")
@click.argument("cycle_id", type=int)
def close_cycle_command(cycle_id):
    """Close a recruitment cycle, saving its report as aggregate counts (later deletions leave it unchanged)."""
    from .candidates.forms import OUTREACH_CHANNELS
    from .services.cycles import CycleError, close_cycle

    try:
        saved = close_cycle(cycle_id, [key for key, _ in OUTREACH_CHANNELS])
    except CycleError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Closed cycle {cycle_id}; saved {saved} counts for its report.")


def init_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    for group in (seed_cli, users_cli, outbox_cli, vacancies_cli, data_cli, match_cli, cycles_cli, interviews_cli,
                  offers_cli):
        app.cli.add_command(group)
