"""`flask places import|rename|merge|population`: the places operations run on the
server, acting on the administration trail as ``audit.admin.cli_actor()``."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from workflow.audit import admin
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.jurisdictions import operations as places

places_cli = AppGroup("places", help="行政区划：导入、更名、撤并、农村人口 (places)")


def _fail(exc: WorkflowError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(
        "；".join([m for msgs in exc.errors.values() for m in msgs] or [exc.message]))


@places_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import a division file (.csv or .xlsx): every row valid, or nothing written."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        report = places.import_places(path, data, admin.cli_actor())
    except WorkflowError as exc:
        raise _fail(exc) from exc
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems:
        raise click.ClickException(report.summary)
    click.echo(report.summary)


@places_cli.command("rename")
@click.argument("code")
@click.argument("name")
@click.option("--document", required=True, help="文号")
@click.option("--on", "on", required=True, help="生效日期 YYYY-MM-DD")
def rename_command(code: str, name: str, document: str, on: str) -> None:
    """Rename a place; the trail keeps the old name."""
    try:
        place = places.rename_place(code, name, document, on, admin.cli_actor())
    except WorkflowError as exc:
        raise _fail(exc) from exc
    click.echo(f"{place.code} 已更名为 {place.name}")


@places_cli.command("merge")
@click.argument("code")
@click.option("--into", required=True, help="并入地区代码")
@click.option("--on", "on", required=True, help="生效日期 YYYY-MM-DD")
@click.option("--document", required=True, help="文号")
def merge_command(code: str, into: str, on: str, document: str) -> None:
    """Record a 撤并: CODE merged into --into on --on by --document."""
    try:
        place = places.merge_place(code, into, on, document, admin.cli_actor())
    except WorkflowError as exc:
        raise _fail(exc) from exc
    click.echo(f"{place.name}：{place.merger_note}")


@places_cli.command("population")
@click.argument("code")
@click.option("--year", required=True, help="年度")
@click.option("--people", required=True, help="农业户籍人口（人）")
@click.option("--source", required=True, help="数据来源，如 公安户籍、统计年报")
@click.option("--document", default="", help="文号")
@click.option("--evidence", type=click.Path(exists=True, dir_okay=False),
              help="证明材料（JPEG、PNG 或 PDF）")
def population_command(code: str, year: str, people: str, source: str, document: str,
                       evidence: str | None) -> None:
    """Record a village's rural population for a year."""
    upload = None
    if evidence:
        with open(evidence, "rb") as handle:
            upload = (handle.read(), evidence, None)
    try:
        row = places.record_population(code, year, people, source, document,
                                       admin.cli_actor(), upload)
    except WorkflowError as exc:
        raise _fail(exc) from exc
    click.echo(f"{row.place.name} {row.year} 年农业户籍人口 {row.people} 人（{row.source}）")
