"""`flask places designate CODE --low-income --plan-year 2019 --document ...` and
`flask places designate-file FILE`: 低收入村 designations made on the server, acting on
the administration trail as ``audit.admin.cli_actor()``."""
from __future__ import annotations

import click

from workflow.audit import admin
from workflow.engine.errors import WorkflowError
from workflow.jurisdictions.commands import _fail, places_cli
from workflow.villages import operations


@places_cli.command("designate")
@click.argument("code")
@click.option("--low-income", "low_income", is_flag=True, required=True,
              help="认定为低收入村")
@click.option("--plan-year", "plan_year", required=True, help="计划退出年度 2018|2019|2020")
@click.option("--document", required=True, help="文号，如 庄委办发〔2019〕59号")
def designate_command(code: str, low_income: bool, plan_year: str, document: str) -> None:
    """Designate a village as a low-income village (低收入村) with its planned exit year."""
    if not low_income:
        raise click.ClickException("请注明类别：--low-income（低收入村）")
    try:
        row = operations.designate(code, plan_year, document, admin.cli_actor())
    except WorkflowError as exc:
        raise _fail(exc) from exc
    click.echo(f"{row.village.code} {row.village.name}：{row.describe}（{row.document}）")


@places_cli.command("designate-file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--document", default="", help="文号（文件中未写文号的行用它）")
def designate_file_command(path: str, document: str) -> None:
    """Designate the villages of a CSV/.xlsx (区划代码, 计划退出年度[, 文号]): all or nothing."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        report = operations.import_designations(path, data, document, admin.cli_actor())
    except WorkflowError as exc:
        raise _fail(exc) from exc
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems:
        raise click.ClickException(report.summary)
    click.echo(report.summary)
