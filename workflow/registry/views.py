"""Register import and export (建档立卡 roster) in the browser, the API and the CLI."""
from __future__ import annotations

import io

import click
from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.cli import AppGroup
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.api.views import token_required
from workflow.engine.errors import Forbidden, Invalid, WorkflowError
from workflow.extensions import csrf, db
from workflow.jurisdictions.scope import place_by_code
from workflow.registry import roster_job
from workflow.registry.operations import REGISTER_EDITORS
from workflow.registry.roster import EXPORT_FILES, export_file, import_roster

roster = Blueprint("roster", __name__)
roster_api = Blueprint("roster_api", __name__, url_prefix="/api/v1")
csrf.exempt(roster_api)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _uploaded() -> list[tuple[str, bytes]]:
    files = [(f.filename, f.read()) for f in request.files.getlist("file") if f.filename]
    if not files:
        raise Invalid("请选择要导入的文件",
                      {"file": ["「文件」为必填项：一个 .xlsx，或一至两个 .csv"]})
    return files


def _report_json(report) -> dict:
    return {"households": report.households, "created": report.created,
            "updated": report.updated, "unchanged": report.unchanged,
            "written": not report.problems, "problems": report.problems[:500],
            "problem_count": len(report.problems)}


def _place(user):
    code = request.args.get("jurisdiction", "").strip()
    if not code:
        return None
    place = place_by_code(code, user)
    if place is None:
        raise Invalid("查询参数有误", {"jurisdiction": ["「地区」不存在或不在您的管辖范围内"]})
    return place


@roster.route("/households/import", methods=["GET", "POST"])
@login_required
def import_page() -> str:
    report, error = None, None
    if request.method == "POST":
        try:
            files = _uploaded()
            if roster_job.needs_job(files):  # a large roster: imported by a worker
                _queue_import(files, current_user)
                flash("名册较大，已转入后台导入；完成后可在「我的任务」查看导入报告", "success")
                return redirect(url_for("jobs.page"))
            report = import_roster(files, current_user)
        except WorkflowError as exc:
            error = "；".join([m for msgs in exc.errors.values() for m in msgs] or [exc.message])
    return render_template("households/import.html", report=report, error=error)


@roster.route("/households/export.<fmt>")
@login_required
def export(fmt: str) -> Response:
    return _export(fmt, current_user)


def _export(fmt: str, user) -> Response:
    """The file; ID numbers and accounts in full only for the roles that need them
    (``registry.disclosure``), and each such export recorded on the register trail."""
    if fmt not in EXPORT_FILES:
        raise Invalid("导出格式不对", {"format": ["只支持 xlsx、members.csv、incomes.csv"]})
    data, name = export_file(user, fmt, _place(user))
    return send_file(io.BytesIO(data), mimetype=XLSX if fmt == "xlsx" else "text/csv",
                     as_attachment=True, download_name=name)


@roster_api.post("/households/import")
@token_required
def api_import():
    files = _uploaded()
    if roster_job.needs_job(files):  # 202: poll /api/v1/jobs/<id>; the report is its file
        from workflow.jobs.views import as_dict

        return jsonify({"job": as_dict(_queue_import(files, g.user))}), 202
    report = import_roster(files, g.user)
    return jsonify(_report_json(report)), 200 if not report.problems else 422


def _queue_import(files: list[tuple[str, bytes]], user):
    """Queue a roster import job with the uploaded files as its input (committed)."""
    from workflow.jobs import queue

    if not any(a.role in REGISTER_EDITORS for a in user.assignments):
        raise Forbidden("您的角色不能导入建档立卡信息")
    job = queue.enqueue("roster_import", {"files": [name for name, _ in files]}, user,
                        total=1, inputs=[(name, data, "application/octet-stream")
                                         for name, data in files])
    db.session.commit()
    return job


@roster_api.get("/households/export.<fmt>")
@token_required
def api_export(fmt: str) -> Response:
    return _export(fmt, g.user)


register_cli = AppGroup("register", help="建档立卡信息导入导出 (household register files)")


@register_cli.command("import")
@click.option("--user", "username", required=True, help="导入人（按其管辖范围核验）")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def import_command(username: str, paths: tuple[str, ...]) -> None:
    """Import a roster (.xlsx, or members.csv and incomes.csv): all rows valid, or nothing."""
    from workflow.auth.models import User

    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在")
    files = []
    for path in paths:
        with open(path, "rb") as handle:
            files.append((path, handle.read()))
    try:
        report = import_roster(files, user)
    except WorkflowError as exc:
        raise click.ClickException(
            "；".join([m for msgs in exc.errors.values() for m in msgs] or [exc.message])
        ) from exc
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} 处错误，未写入任何数据")
    click.echo(f"{report.households} 户：新增 {report.created}，更新 {report.updated}，"
               f"未变 {report.unchanged}")


def init_app(app: Flask) -> None:
    from workflow.registry import edit_verify, edit_views

    assert edit_verify.problems in edit_verify.register.ROW_CHECKS  # audit verify compares
    edit_views.init_app(app)  # the household page, its edits and their API
    app.register_blueprint(roster)
    app.register_blueprint(roster_api)
    app.cli.add_command(register_cli)
