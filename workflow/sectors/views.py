"""Sector data in the browser and on the command line: the 行业数据比对 page (formats,
imports, upload, counts per village), a village's discrepancy list with its 核实 forms,
and ``flask sectors import|match|formats``. Thin: the work is in importer, matching and
operations."""
from __future__ import annotations

import click
from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.cli import AppGroup
from flask_login import current_user, login_required

from workflow.engine.errors import NotFound, WorkflowError
from workflow.extensions import db
from workflow.jurisdictions.scope import place_by_code
from workflow.sectors import jobs, queries
from workflow.sectors.formats import formats
from workflow.sectors.importer import import_file, importable_counties, report_text
from workflow.sectors.operations import OUTCOMES, VERIFIERS, verify_discrepancy

sectors = Blueprint("sectors", __name__, url_prefix="/sectors")


def _message(exc: WorkflowError) -> str:
    return "；".join([m for msgs in exc.errors.values() for m in msgs] or [exc.message])


def _counties(user) -> list:
    """Counties the user may start a matching run for."""
    seen = {}
    for a in user.assignments:
        if a.role == "county_poverty_office" and a.jurisdiction.level == "county":
            seen[a.jurisdiction.id] = a.jurisdiction
    return list(seen.values())


@sectors.route("/")
@login_required
def index() -> str:
    importable = {k: f for k, f in formats().items() if importable_counties(current_user, f)}
    return render_template("sectors/index.html", formats=formats(), importable=importable,
                           imports=queries.imports_in_scope(current_user),
                           counts=queries.counts_by_village(current_user),
                           counties=_counties(current_user), report=None, error=None)


@sectors.post("/import")
@login_required
def upload() -> str:
    upload = request.files.get("file")
    source, as_of = request.form.get("source", ""), request.form.get("as_of", "")
    county = request.form.get("county") or None
    report, error = None, None
    try:
        if upload is None or not upload.filename:
            raise WorkflowError("请选择文件", {"file": ["「文件」为必填项：一个 .xlsx 或 .csv"]})
        data = upload.read()
        if jobs.needs_job(data):  # a large roster: checked and imported by a worker
            from workflow.jobs import queue

            queue.enqueue("sectors_import", {"source": source, "as_of": as_of,
                                             "county": county}, current_user, total=1,
                          inputs=[(upload.filename, data, "application/octet-stream")])
            db.session.commit()
            flash("文件较大，已转入后台导入；完成后可在「我的任务」查看导入报告", "success")
            return redirect(url_for("jobs.page"))
        report = import_file(source, upload.filename, data, as_of, current_user, county)
    except WorkflowError as exc:
        db.session.rollback()
        error = _message(exc)
    importable = {k: f for k, f in formats().items() if importable_counties(current_user, f)}
    return render_template("sectors/index.html", formats=formats(), importable=importable,
                           imports=queries.imports_in_scope(current_user),
                           counts=queries.counts_by_village(current_user),
                           counties=_counties(current_user), report=report,
                           report_text=report_text(report) if report else "", error=error)


@sectors.post("/match")
@login_required
def match():
    from workflow.jobs import queue

    try:
        queue.enqueue("sectors_match", {"county": request.form.get("county", "")},
                      current_user, total=1)
        db.session.commit()
        flash("比对已转入后台进行；完成后疑点清单会更新，进度见「我的任务」", "success")
    except WorkflowError as exc:
        db.session.rollback()
        flash(_message(exc), "error")
    return redirect(url_for("sectors.index"))


@sectors.route("/discrepancies")
@login_required
def discrepancy_list() -> str:
    village = request.args.get("village", "").strip() or None
    status = request.args.get("status", "open")
    if status not in (*OUTCOMES, "open", "cleared", ""):
        status = "open"
    place = place_by_code(village, current_user) if village else None
    if village and place is None:
        abort(404)
    rows = queries.discrepancies(current_user, village, status or None,
                                 request.args.get("page", 1, type=int) or 1)
    verifiable = {r.id for r in rows if r.status == "open" and any(
        a.role in VERIFIERS for a in current_user.roles_over(r.village))}
    return render_template("sectors/discrepancies.html", rows=rows, place=place,
                           status=status, verifiable=verifiable, outcomes=OUTCOMES,
                           department_of=queries.department_of)


@sectors.post("/discrepancies/<int:discrepancy_id>/verify")
@login_required
def verify(discrepancy_id: int):
    try:
        row = verify_discrepancy(discrepancy_id, current_user, request.form.get("outcome", ""),
                                 request.form.get("note", ""), request.form.get("evidence", ""))
        flash(f"已记录核实结果：{row.status_title}", "success")
        village = row.village.code
    except WorkflowError as exc:
        db.session.rollback()
        if isinstance(exc, NotFound):
            abort(404)
        flash(_message(exc), "error")
        village = request.form.get("village", "")
    return redirect(url_for("sectors.discrepancy_list", village=village or None))


@sectors.route("/cases/<int:case_id>")
@login_required
def case_data(case_id: int) -> str:
    """Which sector data each step of a case was judged by: per event, the latest import
    of each source of the case's county imported before the step (imports never change,
    and the step's time is sealed in its event)."""
    from workflow.audit.chain import trail
    from workflow.cases.models import Case
    from workflow.jurisdictions.scope import get_in_scope

    try:
        case = get_in_scope(Case, case_id, current_user)
    except WorkflowError:
        abort(404)
    steps = [(event, queries.data_judged_by(case.jurisdiction_path, event.at))
             for event in trail(case)]
    return render_template("sectors/case_data.html", case=case, steps=steps,
                           formats=formats())


sectors_cli = AppGroup("sectors", help="行业部门数据导入与比对 (sector data)")


def _user(username: str):
    from workflow.auth.models import User

    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在")
    return user


@sectors_cli.command("formats")
def formats_command() -> None:
    """List the declared formats and their columns."""
    for key, fmt in formats().items():
        click.echo(f"{key}\t{fmt.department_title}\t{fmt.title}\t{'、'.join(fmt.headers)}")


@sectors_cli.command("import")
@click.option("--user", "username", required=True, help="导入人（县扶贫办或本部门的县行业部门）")
@click.option("--as-of", "as_of", required=True, help="数据截止日期 YYYY-MM-DD")
@click.option("--county", default=None, help="县代码（管辖多个县时）")
@click.argument("source")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(username: str, as_of: str, county: str | None, source: str, path: str) -> None:
    """Import one department file (SOURCE: see `flask sectors formats`): all or nothing."""
    user = _user(username)
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        report = import_file(source, path, data, as_of, user, county)
    except WorkflowError as exc:
        raise click.ClickException(_message(exc)) from exc
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} 处错误，未写入任何数据")
    click.echo(report_text(report).strip())


@sectors_cli.command("match")
@click.option("--user", "username", required=True, help="县扶贫办的用户")
@click.argument("county")
def match_command(username: str, county: str) -> None:
    """Run the matching for COUNTY (its code) now, in this process."""
    from workflow.sectors.matching import run_matching

    user = _user(username)
    place = place_by_code(county, user)
    if place is None or place.level != "county" or not jobs.may_match(user, place):
        raise click.ClickException("县代码不存在、不在管辖范围内，或该用户不是县扶贫办")
    run = run_matching(place, user)
    click.echo(f"发现 {run.found} 处不一致：新增疑点 {run.opened}，数据已一致 {run.cleared}"
               f"（{run.seconds} 秒）")


def init_app(app: Flask) -> None:
    """The page, the CLI and the chain check of ``flask audit verify``."""
    from workflow.audit import anchors
    from workflow.audit.chain import register_check
    from workflow.sectors import chain

    app.config.setdefault("SECTORS_SYNC_MAX_BYTES", 512 * 1024)
    register_check(chain.verify)
    anchors.register_heads(chain.HEADS, chain.head_rows)
    app.register_blueprint(sectors)
    app.cli.add_command(sectors_cli)
