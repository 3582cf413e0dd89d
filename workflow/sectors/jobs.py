"""Background jobs of the sectors area: a large import (``sectors_import``) and a
matching run (``sectors_match``), on the existing job queue. Each job's writes and its
status 'done' are one transaction; the report is the job's file."""
from __future__ import annotations

from flask import current_app

from workflow.engine.errors import Invalid
from workflow.jobs.registry import JobError, job_kind
from workflow.jurisdictions.scope import place_by_code


def needs_job(data: bytes) -> bool:
    """A file above SECTORS_SYNC_MAX_BYTES (default 512 KiB, some 10,000 rows) is
    imported by a worker rather than in the request."""
    return len(data) > int(current_app.config.get("SECTORS_SYNC_MAX_BYTES", 512 * 1024))


def may_match(user, county) -> bool:
    """县扶贫办 over the county starts matching runs."""
    return any(a.role == "county_poverty_office" for a in user.roles_over(county))


@job_kind("sectors_import", title="行业部门数据导入", max_attempts=2)
def sectors_import(ctx) -> None:
    """Import the uploaded file in the job's transaction."""
    from workflow.sectors.importer import import_file, report_text

    files = ctx.input_files()
    ctx.progress(0, 1, f"正在核验并导入 {files[0].name}")
    try:
        report = import_file(ctx.params["source"], files[0].name, files[0].data,
                             ctx.params["as_of"], ctx.user, ctx.params.get("county"),
                             commit=False)
    except Invalid as exc:
        text = "；".join(m for ms in exc.errors.values() for m in ms)
        raise JobError(text or exc.message) from exc
    text = report_text(report)
    ctx.save_file("导入报告.txt", text.encode(), "text/plain; charset=utf-8")
    ctx.message = text.splitlines()[0][:200]


def _validate_match(params: dict, user) -> dict:
    place = place_by_code(str(params.get("county") or ""), user)
    if place is None or place.level != "county":
        raise Invalid("比对范围有误", {"county": ["「县（市、区）」不存在或不在您的管辖范围内"]})
    if not may_match(user, place):
        raise Invalid("无权比对", {"county": ["只有县扶贫办可以发起行业部门数据比对"]})
    return {"county": place.code}


@job_kind("sectors_match", title="行业部门数据比对", validate=_validate_match, max_attempts=2)
def sectors_match(ctx) -> None:
    """One matching run for the county in the job's transaction."""
    from workflow.extensions import db
    from workflow.jurisdictions.models import Jurisdiction
    from workflow.sectors.matching import run_matching

    county = db.session.execute(db.select(Jurisdiction).filter_by(
        code=ctx.params["county"])).scalar_one()
    ctx.progress(0, 1, f"正在比对{county.name}的登记数据与行业部门数据")
    run = run_matching(county, ctx.user, commit=False)
    ctx.message = (f"比对完成：发现 {run.found} 处不一致，新增疑点 {run.opened} 个，"
                   f"数据已一致 {run.cleared} 个（{run.seconds} 秒）")
