"""`flask calendar add|remove|list|after`: the working-day calendar from the server's
command line, acting as ``audit.admin.cli_actor`` (each change on the administration trail)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from workflow.audit.admin import as_cli, refusal
from workflow.calendar import operations as ops
from workflow.calendar import workdays
from workflow.engine.errors import WorkflowError

calendar_cli = AppGroup("calendar", help="Working-day calendar (节假日与调休).")


@calendar_cli.command("add")
@click.argument("day")
@click.argument("kind")
@click.argument("name")
@click.option("--reason", default="", help="说明 (e.g. the State Council notice)")
def calendar_add(day, kind, name, reason) -> None:
    """Declare DAY (YYYY-MM-DD) a KIND (法定节假日|holiday or 调休上班日|workday) named NAME."""
    row = as_cli(ops.set_day, day, kind, name, reason)
    click.echo(f"{row.day}\t{row.kind_title}\t{row.name}")


@calendar_cli.command("remove")
@click.argument("day")
@click.option("--reason", default="", help="说明")
def calendar_remove(day, reason) -> None:
    """Remove the addition for DAY."""
    as_cli(ops.remove_day, day, reason)
    click.echo(f"removed {day}")


@calendar_cli.command("list")
@click.option("--year", type=int, help="only this year")
def calendar_list(year) -> None:
    """The administrators' additions, and whether the package knows the year."""
    if year is not None:
        known = "known to chinese-calendar" if year in workdays.PACKAGE_YEARS else \
            "NOT known to chinese-calendar"
        click.echo(f"{year}: {known}")
    for row in ops.additions(year):
        click.echo(f"{row.day}\t{row.kind_title}\t{row.name}\t{row.set_by.display_name}\t"
                   f"{row.reason}")


@calendar_cli.command("after")
@click.argument("day")
@click.argument("days", type=click.IntRange(0, 3650))
def calendar_after(day, days) -> None:
    """The date DAYS working days after DAY."""
    try:
        start = ops.parse_day(day)
    except WorkflowError as exc:
        raise refusal(exc) from None
    calendar = workdays.load()
    click.echo(calendar.add(start, days).isoformat())
    for year in sorted(calendar.fallback_years):
        click.echo(f"warning: no holiday data for {year}, counted Monday-Friday", err=True)
