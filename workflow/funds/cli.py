"""`flask funds ...`: sources, allocations (one or a CSV file) and the ledger check.

Allocations go through the same operation as the browser and the API, so the library
and budget rules hold here too."""
from __future__ import annotations

import csv
from decimal import Decimal

import click
from flask import Flask
from flask.cli import AppGroup

from workflow.auth.models import User
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.funds import operations
from workflow.funds.ledgers import check_ledgers
from workflow.funds.models import LEVELS, FundSource
from workflow.jurisdictions.models import Jurisdiction
from workflow.spreadsheets import read_text

funds_cli = AppGroup("funds", help="资金来源、资金安排与账账核对 (fund sources and ledgers)")


def _user(name: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username=name)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"用户 {name} 不存在")
    return user


def _explain(exc: WorkflowError) -> str:
    details = [m for msgs in exc.errors.values() for m in msgs]
    return "；".join(details or [exc.message])


@funds_cli.command("add-source")
@click.option("--county", "code", required=True, help="县代码，如 210323")
@click.option("--year", type=int, required=True)
@click.option("--name", required=True, help="如 县级财政专项扶贫资金")
@click.option("--level", type=click.Choice(list(LEVELS)), required=True)
@click.option("--budget", required=True, help="预算（元），精确到分")
def add_source(code: str, year: int, name: str, level: str, budget: str) -> None:
    """Add a fund source with its yearly budget for a county."""
    county = db.session.execute(db.select(Jurisdiction).filter_by(code=code)).scalar_one_or_none()
    if county is None or county.level != "county":
        raise click.ClickException(f"县代码 {code} 不存在")
    try:
        amount = operations.parse_money(budget, "budget", "预算")
    except WorkflowError as exc:
        raise click.ClickException(_explain(exc)) from exc
    db.session.add(FundSource(county=county, year=year, name=name, level=level, budget=amount,
                              jurisdiction_path=county.path))
    db.session.commit()
    click.echo(f"已添加：{county.name} {year} 年 {name} {operations.yuan(amount)} 元")


@funds_cli.command("allocate")
@click.option("--user", "username", required=True, help="办理人（须为县扶贫办或县领导小组）")
@click.option("--project", "project_id", required=True)
@click.option("--source", "source_id", required=True)
@click.option("--amount", required=True)
@click.option("--document", "document_no", required=True, help="资金下达文号")
@click.option("--date", "dated_on", default=None, help="下达日期（年-月-日），不填为今天")
def allocate(username: str, project_id: str, source_id: str, amount: str,
             document_no: str, dated_on: str | None) -> None:
    """Allocate funds from a source to a project (the library rule applies)."""
    try:
        row = operations.allocate(project_id, source_id, amount, document_no, _user(username),
                                  channel="cli", dated_on=dated_on)
    except WorkflowError as exc:
        raise click.ClickException(_explain(exc)) from exc
    click.echo(f"已安排 {operations.yuan(row.amount)} 元（安排编号 {row.id}）")


@funds_cli.command("import-allocations")
@click.option("--user", "username", required=True)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_allocations(username: str, path: str) -> None:
    """Allocations from a CSV file (project_id, source_id, amount, document_no and an
    optional dated_on or 下达日期, empty for today): all or none."""
    user = _user(username)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = Decimal(0)
    try:
        for number, row in enumerate(rows, start=2):
            document_no, problem = read_text((row.get("document_no") or "").strip())
            if problem:
                raise click.ClickException(
                    f"第 {number} 行「资金下达文号」{problem}；整个文件未导入")
            try:
                dated_on = (row.get("dated_on") or row.get("下达日期") or "").strip()
                made = operations.allocate(row.get("project_id"), row.get("source_id"),
                                           row.get("amount"), document_no, user,
                                           channel="import", dated_on=dated_on or None,
                                           commit=False)
            except WorkflowError as exc:
                message = f"第 {number} 行：{_explain(exc)}；整个文件未导入"
                raise click.ClickException(message) from exc
            total += made.amount
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"已导入 {len(rows)} 条资金安排，合计 {operations.yuan(total)} 元")


@funds_cli.command("check")
def check() -> None:
    """账账相符: exit 1 and list every mismatch between the ledgers."""
    problems = check_ledgers()
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("账账相符：资金来源、资金安排、拨付和支付记录一致")


def init_app(app: Flask) -> None:
    app.cli.add_command(funds_cli)
