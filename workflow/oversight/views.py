"""The auditor's workspace (search, findings, chain check, trail with diffs) and the
progress boards with the monthly report (browser; Excel export)."""
from __future__ import annotations

import io
import re

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from workflow import clock
from workflow.audit import admin as admin_trail
from workflow.audit import register
from workflow.audit.chain import verify
from workflow.auth.titles import actor_titles
from workflow.cases.models import Case
from workflow.cases.queries import case_query, paginate
from workflow.cases.schemas import case_summaries
from workflow.cases.views import case_filters, page_number
from workflow.engine import store
from workflow.engine.errors import WorkflowError
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.jobs import queue
from workflow.jurisdictions.scope import filter_places, place_by_code, scope_filter
from workflow.oversight import boards, export_jobs
from workflow.oversight import staged as staged_targets
from workflow.oversight.blueprint import oversight
from workflow.oversight.exports import (
    MAX_CASES,
    report_table,
    trail_events,
    trail_pdf,
    trail_xlsx,
)
from workflow.oversight.models import Finding
from workflow.oversight.operations import AUDITOR_ROLES, decide, scan
from workflow.oversight.rules import RULES
from workflow.oversight.search import cases_of_person
from workflow.spreadsheets import append_row

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _auditor() -> None:
    if not any(a.role in AUDITOR_ROLES for a in current_user.assignments):
        abort(403)


def _search(problems: list[str]):
    """The workspace's cases: the case list's filters (place, procedure, step, dates,
    each checked) and the person; the export takes the same set."""
    query = case_query(current_user, **case_filters(problems))
    if person := request.args.get("person", "").strip()[:64]:
        query = query.where(cases_of_person(person))
    return query


@oversight.route("/oversight")
@login_required
def workspace() -> str:
    """Search cases by place, procedure, state, person and date; the open findings."""
    _auditor()
    args, problems = request.args, []
    query = _search(problems)
    page = paginate(query, page_number(), current_app.config["PAGE_SIZE"])
    findings = db.session.execute(select(Finding).where(
        scope_filter(Finding.jurisdiction_path, current_user), Finding.outcome == "open")
        .order_by(Finding.id.desc()).limit(200)).scalars().all()
    return render_template("oversight/workspace.html", page=page, args=args, problems=problems,
                           rows=case_summaries(page.items), findings=findings, rules=RULES,
                           places=filter_places(current_user, args.get("jurisdiction", "")),
                           procedures=list(store.catalog().procedures.values()))


@oversight.post("/oversight/scan")
@login_required
def run_scan() -> Response:
    _auditor()
    flash(f"审计检查完成：新发现 {scan(current_user)} 个需核查事项", "success")
    return redirect(url_for("oversight.workspace"))


@oversight.post("/oversight/verify")
@login_required
def run_verify() -> str:
    _auditor()
    checked, problems = verify(current_user.scope_paths)
    register_events, register_problems = register.verify(current_user.scope_paths)
    admin_events, admin_problems = admin_trail.verify(current_user.scope_paths)
    return render_template("oversight/verify.html", checked=checked,
                           register_events=register_events, admin_events=admin_events,
                           problems=[*problems, *register_problems, *admin_problems])


@oversight.route("/oversight/register")
@login_required
def register_trail() -> str:
    """Changes to the register made outside cases (households, houses and projects
    registered, rosters imported), newest first, each on its village's hash chain."""
    _auditor()
    page = paginate(register.events_in_scope(current_user), page_number(),
                    current_app.config["PAGE_SIZE"])
    return render_template("oversight/register.html", page=page,
                           roles=actor_titles(page.items))


@oversight.post("/oversight/findings/<int:finding_id>")
@login_required
def decide_finding(finding_id: int) -> Response:
    try:
        decide(finding_id, request.form.get("outcome", ""), request.form.get("note", ""),
               current_user)
        flash("已记录核查结论（计入审批留痕）", "success")
    except WorkflowError as exc:
        flash("；".join([m for v in exc.errors.values() for m in v] or [exc.message]), "error")
    return redirect(url_for("oversight.workspace"))


@oversight.route("/oversight/cases/<int:case_id>")
@login_required
def case_trail(case_id: int) -> str:
    """Every event with the values it carried, and what changed against the last time the
    same step was submitted."""
    _auditor()
    from workflow.jurisdictions.scope import get_in_scope

    case = get_in_scope(Case, case_id, current_user)
    definition = store.by_version(case.definition_version)
    return render_template("oversight/trail.html", case=case, definition=definition,
                           rows=trail_events(case, definition))


def _export_cases() -> list[Case]:
    """One case (``case``) or the workspace's filtered set, at most MAX_CASES."""
    args = request.args
    if args.get("case"):  # an id past 2**31 is no case (PostgreSQL would overflow)
        from workflow.jurisdictions.scope import get_in_scope

        return [get_in_scope(Case, parse_id(args["case"]) or 0, current_user)]
    query = _search([])
    return db.session.execute(query.limit(MAX_CASES)).scalars().all()


@oversight.route("/oversight/trail.<fmt>", methods=["GET", "POST"])
@login_required
def export_trail(fmt: str) -> Response | str:
    """留痕导出 as xlsx or pdf, each case with its verification code. More than
    JOBS_EXPORT_SYNC_MAX cases: a confirmation page, whose POST queues a job."""
    from workflow.documents.views import base_url, pdf_response

    _auditor()
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    cases = _export_cases()
    if len(cases) > export_jobs.sync_max() and not request.args.get("case"):
        if request.method == "GET":
            return render_template("jobs/confirm.html", title="留痕导出",
                                   message=f"本次导出共 {len(cases)} 件案件，将在后台生成，"
                                           "完成后在「我的任务」下载。",
                                   action=request.full_path, button="在后台生成")
        queue.enqueue("trail_export", {"fmt": fmt, "case_ids": [c.id for c in cases],
                                       "base_url": base_url()}, current_user,
                      total=len(cases))
        db.session.commit()
        flash("留痕导出已在后台生成，完成后可在本页下载", "success")
        return redirect(url_for("jobs.page"))
    if request.method == "POST":
        abort(405)
    if fmt == "xlsx":
        return send_file(io.BytesIO(trail_xlsx(cases)), as_attachment=True,
                         download_name="审批留痕.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument"
                                  ".spreadsheetml.sheet")
    if not cases:
        abort(404)
    return pdf_response(trail_pdf(cases, base_url()), "审批留痕.pdf")


def _board_args():
    procedures = store.catalog().procedures
    definition = procedures.get(request.args.get("procedure", "household_exit"))
    if definition is None:
        abort(404)
    code = request.args.get("place", "")
    place = place_by_code(code, current_user) if code else None
    if place is None:
        mine = sorted((a.jurisdiction for a in current_user.assignments), key=lambda p: p.path)
        place = mine[0] if mine else abort(404)
    month = request.args.get("month", "")
    return definition, place, month if MONTH.match(month) else None


@oversight.route("/boards")
@login_required
def board_page() -> str:
    """挂图作战: a row per place below this one, drill-down by clicking a place."""
    definition, place, month = _board_args()
    rows = boards.board(definition, place, month)
    year = int((month or f"{clock.today():%Y}")[:4])
    target = boards.target_of(definition, place, year)
    # Low-income villages' staged targets where the place has any; else the plain share.
    staged = staged_targets.staged(place, month) if definition.key == "village_exit" else None
    share = boards.village_share(place, year) if definition.key == "village_exit" \
        and staged is None else None
    return render_template("oversight/board.html", definition=definition, place=place,
                           rows=rows, target=target, month=month or f"{clock.today():%Y-%m}",
                           share=share, staged=staged,
                           procedures=list(store.catalog().procedures.values()))


@oversight.route("/boards/report.pdf", methods=["GET", "POST"])
@login_required
def monthly_report_pdf() -> Response | str:
    """月报告 as PDF (same figures as the Excel); a city's is made in the background."""
    from workflow.documents.views import pdf_response

    definition, place, month = _board_args()
    month = month or f"{clock.today():%Y-%m}"
    if export_jobs.report_in_background(place):
        if request.method == "GET":
            return render_template("jobs/confirm.html", title="月报告（PDF）",
                                   message=f"{place.full_name}{definition.title} {month} "
                                           "月报告将在后台生成，完成后在「我的任务」下载。",
                                   action=request.full_path, button="在后台生成")
        queue.enqueue("monthly_report", {"procedure": definition.key, "place": place.code,
                                         "month": month}, current_user,
                      jurisdiction_path=place.path, total=1)
        db.session.commit()
        flash("月报告已在后台生成，完成后可在本页下载", "success")
        return redirect(url_for("jobs.page"))
    if request.method == "POST":
        abort(405)
    data, name = export_jobs.report_pdf(definition, place, month)
    return pdf_response(data, name)


@oversight.route("/boards/report.xlsx")
@login_required
def monthly_report() -> Response:
    """月报告 for a past (or the current) month, from the trail as it was then."""
    from openpyxl import Workbook

    definition, place, month = _board_args()
    month = month or f"{clock.today():%Y-%m}"
    rows = boards.monthly_report(definition, place, month)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{month} 月报告"
    states = list(definition.states)
    append_row(sheet, [f"{place.full_name} {definition.title} {month} 月报告（截至月末）"])
    append_row(sheet, ["地区", *[definition.state_title(s) for s in states], "合计", "本月办结"])
    lines, totals = report_table(definition, rows)
    for line in [*lines, totals]:
        append_row(sheet, line)
    if definition.key == "village_exit" and (figures := staged_targets.staged(place, month)):
        append_row(sheet, [])
        append_row(sheet, [f"低收入村累计退出目标完成情况（截至 {figures.as_of}）"])
        append_row(sheet, ["年度", "累计目标（%）", "应退出（个）", "已退出（个）",
                           "低收入村（个）", "退出比例（%）", "情况"])
        for line in figures.lines:
            append_row(sheet, [f"{line.year} 年底", line.target, line.needed, line.out,
                               line.villages, line.share, line.status(figures.as_of)])
    if definition.key == "household_exit":
        _progress_rows(sheet, place, month)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True,
                     download_name=f"{definition.title}月报告-{month}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


PROGRESS_COLUMNS = {"below": "未达标", "reached": "本月达标", "above": "此前已达标",
                    "out_all": "已脱贫", "out_below_bar": "其中低于质量目标",
                    "entered": "已录入", "not_entered": "未录入"}


def _progress_rows(sheet, place, month: str) -> None:
    """帮扶进展 in the Excel 月报告, as in its PDF: the month's board and the quarters."""
    from workflow.progress.board import report as progress_report

    progress = progress_report(None, place, month)
    board, quarters = progress["board"], progress["quarters"]
    append_row(sheet, [])
    append_row(sheet, [f"帮扶进展（{month}，按帮扶责任人每月录入的本年累计人均纯收入）"])
    append_row(sheet, ["地区", *PROGRESS_COLUMNS.values()])
    for row in [*board["rows"], {**board["total"], "name": "合计"}]:
        append_row(sheet, [row["name"], *[row[k] for k in PROGRESS_COLUMNS]])
    append_row(sheet, [])
    append_row(sheet, [f"已脱贫但低于质量目标的农户（{progress['year']} 年季度跟踪，质量目标 "
                       f"{quarters['bar']:,} 元/人）"])
    append_row(sheet, ["季度", "统计月份", "已脱贫户", "已脱贫人", "低于质量目标户",
                       "低于质量目标人", "目标户", "目标人", "已提升户数", "完成比例（%）", "状态"])
    for q in quarters["rows"]:
        append_row(sheet, [f"第 {q['quarter']} 季度", f"{progress['year']}-{q['month']:02d}",
                           q["out_households"], q["out_people"], q["below_households"],
                           q["below_people"], q["target_households"], q["target_people"],
                           q["lifted_households"], q["share"],
                           "已结束" if q["closed"] else "进行中"])


def init_app(app: Flask) -> None:
    from workflow.oversight import bottleneck_views  # 办理用时（堵点）: routes on ``oversight``

    app.register_blueprint(oversight)
    bottleneck_views.init_app(app)

