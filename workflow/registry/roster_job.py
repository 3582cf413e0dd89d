"""Large roster imports as a background job (``roster_import``).

An upload of more than ROSTER_SYNC_MAX_ROWS member rows (default 1000) is kept as the
job's input files and imported by a worker with the same rules: every row checked, all or
nothing. The import's writes and the job's status 'done' are one transaction; the report
(each bad row's line, or the counts) is the job's file and its message.
"""
from __future__ import annotations

from flask import current_app

from workflow.jobs.registry import job_kind
from workflow.registry.roster import import_roster
from workflow.registry.roster_check import read_tables


def needs_job(files: list[tuple[str, bytes]]) -> bool:
    """More member rows than ROSTER_SYNC_MAX_ROWS (the header row not counted)."""
    members, _ = read_tables(files)
    return len(members) - 1 > int(current_app.config.get("ROSTER_SYNC_MAX_ROWS", 1000))


def report_text(report) -> str:
    """The import's report as the lines of a text file."""
    if report.problems:
        head = f"有 {len(report.problems)} 处错误，未写入任何数据。请改正后重新导入。"
        return "\n".join([head, "", *report.problems]) + "\n"
    return (f"{report.households} 户：新增 {report.created}，更新 {report.updated}，"
            f"未变 {report.unchanged}\n")


@job_kind("roster_import", title="建档立卡名册导入", max_attempts=2)
def roster_import(ctx) -> None:
    """Import the uploaded files in the job's transaction."""
    from workflow.registry.roster_check import Report

    files = [(f.name, f.data) for f in ctx.input_files()]
    ctx.progress(0, 1, f"正在核验并导入 {', '.join(name for name, _ in files)}")
    report: Report = import_roster(files, ctx.user, commit=False)
    ctx.save_file("导入报告.txt", report_text(report).encode(), "text/plain; charset=utf-8")
    ctx.message = report_text(report).splitlines()[0][:200]
