"""`flask settings set|list|history`: the settings store from the server's command line,
acting as ``audit.admin.cli_actor`` (each change on the administration trail)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from workflow.audit.admin import as_cli
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.settings import operations as ops
from workflow.settings import queries
from workflow.settings.keys import spec
from workflow.settings.lookup import python_value

settings_cli = AppGroup("settings", help="Settings by year and place (参数设置).")


@settings_cli.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--year", help="year (per-year keys; default this year)")
@click.option("--on", "on", help="effective date YYYY-MM-DD (notice lengths ...)")
@click.option("--place", help="place code (default: installation-wide)")
@click.option("--document", required=True, help="文号 of the document that sets it")
@click.option("--reason", default="", help="说明")
def settings_set(key, value, year, on, place, document, reason) -> None:
    """Set KEY to VALUE (a list: comma-separated choices)."""
    row = as_cli(ops.set_setting, key, value, year=year, on=on, place=place,
                 document=document, reason=reason)
    one = spec(row.key)
    when = row.year if row.year is not None else f"from {row.effective_on}"
    where = row.place.code if row.place else "installation-wide"
    click.echo(f"{row.key} = {ops.display(one, python_value(one, row.value))} "
               f"({when}, {where}, {row.document})")


@settings_cli.command("list")
@click.option("--year", type=int, help="default: this year")
@click.option("--place", help="place code (default: installation-wide)")
def settings_list(year, place) -> None:
    """Every key's value at the place and year, with its source."""
    from workflow import clock

    target = None
    if place:
        target = db.session.execute(
            db.select(Jurisdiction).filter_by(code=place)).scalar_one_or_none()
        if target is None:
            raise click.ClickException(f"no place {place}")
    year = year or clock.today().year
    if not ops.YEARS[0] <= year <= ops.YEARS[1]:
        raise click.ClickException(f"year must be {ops.YEARS[0]}..{ops.YEARS[1]}")
    for row in queries.overview(target, year):
        source = row.applied.source if row.applied else "未设置"
        click.echo(f"{row.spec.key}\t{row.spec.title}\t{row.shown}\t{source}")


@settings_cli.command("history")
@click.argument("key")
def settings_history(key) -> None:
    """Every value ever set for KEY, newest first."""
    from workflow.audit.admin import cli_actor

    one = spec(key)
    if one is None:
        raise click.ClickException(f"no setting {key}")
    for row in queries.history(cli_actor(), key):
        item = queries.history_json(row, one)
        when = row.year if row.year is not None else f"from {row.effective_on}"
        click.echo(f"{item['set_at']}\t{when}\t{item['place_name']}\t{item['shown']}\t"
                   f"{row.document}\t{item['set_by']}\t{row.reason}")
    db.session.commit()  # cli_actor may have been created
