"""Admin tasks as ``flask`` commands: procedures, users, audit, demo."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

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


def _place(code: str):
    from workflow.jurisdictions.models import Jurisdiction

    place = db.session.execute(db.select(Jurisdiction).filter_by(code=code)).scalar_one_or_none()
    if place is None:
        raise click.ClickException(f"jurisdiction code {code} not found")
    return place


def _grant(user, role: str, code: str, department: str | None = None) -> None:
    from workflow.auth.models import ROLES, RoleAssignment
    from workflow.projects.models import DEPARTMENTS

    if role not in ROLES:
        raise click.ClickException(f"unknown role {role}; one of: {', '.join(ROLES)}")
    if department and department not in DEPARTMENTS:
        raise click.ClickException(f"unknown department {department}; one of: "
                                   f"{', '.join(DEPARTMENTS)}")
    db.session.add(RoleAssignment(user=user, role=role, jurisdiction=_place(code),
                                  department=department))


@users_cli.command("create")
@click.argument("name")
@click.option("--password", required=True)
@click.option("--role", required=True)
@click.option("--jurisdiction", "code", required=True)
@click.option("--display-name", default=None)
@click.option("--department", default=None, help="county_sector: agriculture, water, ...")
def users_create(name: str, password: str, role: str, code: str, display_name: str | None,
                 department: str | None):
    """Create a user with one role over one jurisdiction."""
    from workflow.auth.models import User

    if db.session.execute(db.select(User).filter_by(username=name)).scalar_one_or_none():
        raise click.ClickException(f"user {name} exists; use `users grant`")
    user = User(username=name, display_name=display_name or name)
    user.set_password(password)
    db.session.add(user)
    _grant(user, role, code, department)
    db.session.commit()
    click.echo(f"created {name} as {role} over {code}")


@users_cli.command("grant")
@click.argument("name")
@click.option("--role", required=True)
@click.option("--jurisdiction", "code", required=True)
@click.option("--department", default=None, help="county_sector: agriculture, water, ...")
def users_grant(name: str, role: str, code: str, department: str | None) -> None:
    """Give an existing user one more role assignment."""
    from workflow.auth.models import User

    user = db.session.execute(db.select(User).filter_by(username=name)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {name}")
    _grant(user, role, code, department)
    db.session.commit()
    click.echo(f"granted {role} over {code} to {name}")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check every case's hash chain and every village's register chain; exit non-zero on
    any tampering."""
    from workflow.audit import register
    from workflow.audit.chain import verify

    checked, problems = verify()
    register_events, register_problems = register.verify()
    problems = [*problems, *register_problems]
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"checked {checked} cases and {register_events} register events, "
               f"{len(problems)} problems")
    if problems:
        sys.exit(1)


@audit_cli.command("tallies")
@click.option("--rebuild", is_flag=True, help="recompute the tallies from the trail")
def audit_tallies(rebuild: bool) -> None:
    """Check the board tallies against the trail (exit non-zero on any difference), or
    rebuild them after a bulk load."""
    from workflow.cases import tallies

    if rebuild:
        click.echo(f"rebuilt {tallies.rebuild()} tally rows from the trail")
        return
    differences = tallies.differences()
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
