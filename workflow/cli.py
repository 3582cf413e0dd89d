"""Admin tasks as ``flask`` commands: procedures, users, audit, demo."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from workflow.audit import admin
from workflow.audit.admin import as_cli
from workflow.extensions import db

procedures_cli = AppGroup("procedures", help="流程定义")
users_cli = AppGroup("users", help="用户与角色")
audit_cli = AppGroup("audit", help="审计留痕")
demo_cli = AppGroup("demo", help="演示数据")


@procedures_cli.command("check")
def procedures_check() -> None:
    """Validate every definition; exit non-zero with file and reason on any error."""
    from workflow.engine.definitions import load_catalog
    from workflow.engine.errors import DefinitionError

    try:
        catalog = load_catalog(current_app.config["STATES_FOLDER"],
                               current_app.config["FORMS_FOLDER"])
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    for d in catalog.procedures.values():
        click.echo(f"ok  {d.key} {d.version}  {len(d.states)} states, {len(d.actions)} actions")
    click.echo(f"ok  {len(catalog.forms)} forms")


@procedures_cli.command("moves")
@click.argument("key")
@click.option("--apply", "apply_", is_flag=True, help="move them (default: dry run only)")
@click.option("--place", "code", default=None, help="only the cases under this place code")
@click.option("--batch", default=1000, show_default=True, help="cases per transaction")
def procedures_moves(key: str, apply_: bool, code: str | None, batch: int) -> None:
    """List the running cases of earlier versions of KEY: whether each can move to the
    current version, what changes for it, and why not; with --apply, move them."""
    from workflow.cases import moving
    from workflow.engine.errors import WorkflowError
    from workflow.jurisdictions.models import Jurisdiction

    scope = None
    if code:
        place = db.session.execute(
            db.select(Jurisdiction).filter_by(code=code)).scalar_one_or_none()
        if place is None:
            raise click.ClickException(f"没有代码为 {code} 的地区")
        scope = [place.path]
    try:
        the_plan = moving.plan(key, scope)
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from None
    for line in moving.report_lines(the_plan):
        click.echo(line)
    if not apply_ or not the_plan.movable:
        return
    result = moving.move(key, admin.cli_actor(), scope, batch=batch,
                         on_batch=lambda done, total: click.echo(f"  已迁移 {done} / {total} 件"))
    click.echo(f"迁移完成：{result.moved} 件迁移至版本 {result.to_version}，"
               f"{result.stayed} 件未迁移（{result.seconds} 秒）")


@users_cli.command("create")
@click.argument("name")
@click.option("--password", required=True)
@click.option("--role", required=True)
@click.option("--jurisdiction", "code", required=True)
@click.option("--display-name", default=None)
@click.option("--department", default=None, help="county_sector: agriculture, water, ...")
def users_create(name: str, password: str, role: str, code: str, display_name: str | None,
                 department: str | None):
    """Create a user with one role over one jurisdiction (the password: at least 10
    characters, not the user name, not a common password)."""
    from workflow.admin import operations

    as_cli(operations.create_user, {"username": name, "display_name": display_name or name,
                                     "role": role, "jurisdiction": code,
                                     "department": department}, password)
    click.echo(f"created {name} as {role} over {code}")


@users_cli.command("grant")
@click.argument("name")
@click.option("--role", required=True)
@click.option("--jurisdiction", "code", required=True)
@click.option("--department", default=None, help="county_sector: agriculture, water, ...")
def users_grant(name: str, role: str, code: str, department: str | None) -> None:
    """Give an existing user one more role assignment."""
    from workflow.admin import operations
    from workflow.auth.models import User

    user = db.session.execute(db.select(User).filter_by(username=name)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {name}")
    as_cli(operations.grant, user, {"role": role, "jurisdiction": code,
                                     "department": department})
    click.echo(f"granted {role} over {code} to {name}")


def _verify_all() -> list:
    """Every chain checked (cases and fund sources, villages' registers, places'
    administration trails), printed."""
    from workflow.audit import admin, register
    from workflow.audit.chain import verify
    from workflow.audit.models import FundEvent

    checked, problems = verify()
    register_events, register_problems = register.verify()
    admin_events, admin_problems = admin.verify()
    problems = [*problems, *register_problems, *admin_problems]
    fund_events = db.session.execute(db.select(db.func.count()).select_from(FundEvent)
                                     ).scalar_one()
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"checked {checked} cases, {register_events} register events, "
               f"{fund_events} fund events and {admin_events} administration events, "
               f"{len(problems)} problems")
    return problems


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check every case's chain and row, every village's register chain and every fund
    source's chain and ledger rows, with their seals and against the latest checkpoint;
    exit non-zero on any tampering."""
    from workflow.audit import anchors

    latest = anchors.latest()
    click.echo(f"checkpoint: {latest.at or 'none readable'}" if latest else
               "checkpoint: none yet (run `flask audit checkpoint` regularly)")
    if _verify_all():
        sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Verify, then append a signed checkpoint of every chain head to the anchor folder
    (run it from cron or a systemd timer); writes nothing and exits 1 on any problem."""
    from workflow.audit import anchors

    if _verify_all():
        click.echo("no checkpoint written: a checkpoint must not vouch for a broken chain",
                   err=True)
        sys.exit(1)
    path, counts = anchors.write()
    others = "".join(f", {n} {kind}" for kind, n in counts.items()
                     if kind not in ("cases", "villages", "funds", "admin"))
    click.echo(f"checkpoint written to {path}: {counts['cases']} cases, "
               f"{counts['villages']} villages, {counts['funds']} fund sources, "
               f"{counts['admin']} administration chains{others}")


@audit_cli.command("seal")
@click.option("--user", "username", default=None,
              help="recorder named on ledger rows that have none")
def audit_seal(username: str | None) -> None:
    """Once after upgrading: put earlier ledger rows on the fund trail and seal every
    unsealed event with the audit key, provided every chain is otherwise intact."""
    from workflow.audit.seal import seal
    from workflow.auth.models import User

    user = None
    if username:
        user = db.session.execute(db.select(User).filter_by(username=username)
                                  ).scalar_one_or_none()
        if user is None:
            raise click.ClickException(f"user {username} not found")
    try:
        added, sealed, problems = seal(user)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"nothing sealed: {len(problems)} problems", err=True)
        sys.exit(1)
    click.echo(f"{added} ledger rows put on the fund trail, {sealed} events sealed")


@audit_cli.command("tallies")
@click.option("--rebuild", is_flag=True, help="recompute the tallies from the trail")
def audit_tallies(rebuild: bool) -> None:
    """Check the board tallies (state counts, step times, 帮扶进展) against the trail and
    the entries (exit non-zero on any difference), or rebuild them after a bulk load."""
    from workflow.cases import step_times, tallies
    from workflow.progress import tallies as progress_tallies

    if rebuild:
        click.echo(f"rebuilt {tallies.rebuild()} tally rows from the trail")
        click.echo(f"rebuilt {step_times.rebuild()} step-time tally rows from the trail")
        click.echo(f"rebuilt {progress_tallies.rebuild()} progress tally rows from the entries")
        return
    differences = (tallies.differences() + step_times.differences()
                   + progress_tallies.differences())
    for line in differences:
        click.echo(line, err=True)
    click.echo(f"{len(differences)} differences between the tallies and the trail")
    if differences:
        sys.exit(1)


@demo_cli.command("seed")
@click.option("--households", default=50, show_default=True)
def demo_seed(households: int) -> None:
    """Create the demo places, a user per role per place, households and cases."""
    from workflow.demo.seed import seed

    for line in seed(households):
        click.echo(line)


def init_app(app: Flask) -> None:
    from workflow.funds.cli import funds_cli

    for group in (procedures_cli, users_cli, audit_cli, demo_cli, funds_cli):
        app.cli.add_command(group)
