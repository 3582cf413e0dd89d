"""Long exports as background jobs: whole-scope trail exports and monthly report PDFs.

A trail export of more than JOBS_EXPORT_SYNC_MAX cases (default 50; a 500-case PDF took
9 s in the request) and the monthly report PDF of a city are made by a jobs worker; the
page asks for a confirmation (a POST with its CSRF token), then the file waits on the
jobs page (我的任务). Smaller ones are still answered at once.
"""
from __future__ import annotations

from flask import current_app

from workflow import clock
from workflow.cases.models import Case
from workflow.engine import store
from workflow.extensions import db
from workflow.jobs.registry import JobError, job_kind
from workflow.jurisdictions.scope import place_by_code, scope_filter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sync_max() -> int:
    """Trail exports up to this many cases are made in the request."""
    return int(current_app.config.get("JOBS_EXPORT_SYNC_MAX", 50))


def report_in_background(place) -> bool:
    """A city's (or higher) monthly report PDF is made by a worker."""
    return place.level == "city"


@job_kind("trail_export", title="留痕导出")
def trail_export(ctx) -> None:
    """The chosen cases' trail as xlsx or pdf (the cases still in the user's scope)."""
    from workflow.oversight.exports import trail_pdf, trail_xlsx

    ids = [int(i) for i in ctx.params["case_ids"]]
    found = {c.id: c for c in db.session.execute(db.select(Case).where(
        Case.id.in_(ids), scope_filter(Case.jurisdiction_path, ctx.user))).scalars()}
    cases = [found[i] for i in ids if i in found]
    if not cases:
        raise JobError("所选案件已不在您的管辖范围内")
    ctx.progress(0, len(cases), f"正在生成 {len(cases)} 件案件的留痕")
    ctx.check_cancelled()
    if ctx.params["fmt"] == "xlsx":
        ctx.save_file("审批留痕.xlsx", trail_xlsx(cases), XLSX)
    else:
        ctx.save_file("审批留痕.pdf", trail_pdf(cases, ctx.params["base_url"]),
                      "application/pdf")
    ctx.message = f"共 {len(cases)} 件案件"


def report_pdf(definition, place, month: str) -> tuple[bytes, str]:
    """月报告 as PDF bytes and its file name (same figures as the Excel)."""
    from workflow.documents import render
    from workflow.documents.rows import chinese_date
    from workflow.oversight import boards
    from workflow.oversight import staged as staged_targets
    from workflow.oversight.exports import report_columns, report_table
    from workflow.progress.board import report as progress_report

    rows = boards.monthly_report(definition, place, month)
    target = boards.target_of(definition, place, int(month[:4]))
    lines, totals = report_table(definition, rows)
    columns, header_pt = report_columns(definition, rows)
    data = render.pdf("pdf/monthly_report.html", definition=definition, place=place,
                      month=month, lines=lines, totals=totals, columns=columns,
                      header_pt=header_pt, target=target,
                      staged=staged_targets.staged(place, month)
                      if definition.key == "village_exit" else None,
                      # 帮扶进展 (the month's board and the year's quarters) with the
                      # household exits: the place was checked against the user's scope.
                      progress=progress_report(None, place, month)
                      if definition.key == "household_exit" else None,
                      printed_on=chinese_date(clock.today()))
    return data, f"{definition.title}月报告-{month}.pdf"


@job_kind("monthly_report", title="月报告（PDF）")
def monthly_report(ctx) -> None:
    """A place's monthly report PDF."""
    definition = store.catalog().procedures.get(ctx.params["procedure"])
    place = place_by_code(ctx.params["place"], ctx.user)
    if definition is None or place is None:
        raise JobError("该地区或流程已不在您的管辖范围内")
    ctx.progress(0, 1, "正在生成月报告")
    data, name = report_pdf(definition, place, ctx.params["month"])
    ctx.save_file(name, data, "application/pdf")
