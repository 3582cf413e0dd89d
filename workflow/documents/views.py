"""Document routes: a case's sheet, cover, notice and announcement; the village board
notice; batch printing with progress; and the public verification page.

Every case document is scoped like any case query (outside the user's places → 404) and
answers to a browser session or an API token (``Authorization: Bearer``). The
verification page is public and says nothing personal.
"""
from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import quote

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from workflow.auth.operations import user_for_token
from workflow.cases.models import Case
from workflow.documents import content, jobs, public, render, verify
from workflow.engine import store
from workflow.engine.errors import Conflict, Invalid, NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db, limiter, login_manager
from workflow.jobs.models import Job
from workflow.jurisdictions.scope import get_in_scope, place_by_code, places_in_scope
from workflow.notices.models import Notice

documents = Blueprint("documents", __name__)


def reader_required(view):
    """A browser session or an API token; sets ``g.reader`` to the user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = user_for_token(header[7:].strip())
            if user is None:
                return jsonify({"message": "未登录或令牌已失效，请重新获取令牌"}), 401
        elif current_user.is_authenticated:
            user = current_user._get_current_object()
        else:
            return login_manager.unauthorized()
        g.reader = user
        return view(*args, **kwargs)
    return wrapper


def base_url() -> str:
    """Where the printed verification links point (verify.public_base_url)."""
    return verify.public_base_url(current_app.config, request.url_root)


def pdf_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in "-_." else "_"
                         for c in filename)
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _case(case_id: int) -> Case:
    return get_in_scope(Case, case_id, g.reader)


@documents.route("/cases/<int:case_id>/sheet.pdf")
@reader_required
def sheet(case_id: int) -> Response:
    """The approval sheet (审批表) of one case."""
    case = _case(case_id)
    context = content.sheet_context(case, base_url())
    data = render.pdf(content.sheet_template(context["definition"]), **context)
    return pdf_response(data, f"审批表-{case.id}.pdf")


@documents.route("/cases/<int:case_id>/cover.pdf")
@reader_required
def cover(case_id: int) -> Response:
    """The archive cover (档案封面) of one case."""
    case = _case(case_id)
    data = render.pdf("pdf/cover.html", **content.cover_context(case, base_url()))
    return pdf_response(data, f"档案封面-{case.id}.pdf")


@documents.route("/cases/<int:case_id>/notice.pdf")
@reader_required
def case_notice(case_id: int) -> Response:
    """The public notice (公示) the case was or is listed in, with its fellow cases."""
    case = _case(case_id)
    if public.latest_notice(case) is None:
        raise NotFound("该案件尚未进行公示")
    docs = public.notice_docs_of(case, base_url())
    return _public_pdf(docs, f"公示-{case.id}.pdf")


@documents.route("/cases/<int:case_id>/announcement.pdf")
@reader_required
def case_announcement(case_id: int) -> Response:
    """The county announcement (公告) of one approved case."""
    case = _case(case_id)
    docs = public.announcement_docs([case], base_url())
    if not docs:
        raise Conflict("该案件尚未经县级审定，不能打印公告")
    return _public_pdf(docs, f"公告-{case.id}.pdf")


@documents.route("/villages/<code>/notice.pdf")
@reader_required
def village_notice(code: str) -> Response:
    """The village board: every case of the village now in an open notice period."""
    place = place_by_code(code, g.reader)
    if place is None or place.level != "village":
        raise NotFound("该村不存在或不在您的管辖范围内")
    query = (db.select(Case).join(Notice, Notice.case_id == Case.id)
             .where(Case.village_id == place.id, Notice.closed_at.is_(None))
             .order_by(Case.id))
    if request.args.get("procedure"):
        query = query.where(Case.procedure == request.args["procedure"])
    cases = db.session.execute(query).unique().scalars().all()
    docs = public.notice_docs(cases, base_url())
    if not docs:
        raise NotFound(f"{place.name}当前没有公示中的案件")
    return _public_pdf(docs, f"公示-{place.name}.pdf")


def _public_pdf(docs: list[public.PublicDoc], filename: str) -> Response:
    laid_out = [render.layout("pdf/public.html", **public.doc_context(d, base_url()))
                for d in docs]
    return pdf_response(render.write(laid_out), filename)


@documents.route("/documents/batch", methods=["GET", "POST"])
@reader_required
def batch() -> Response | str:
    """批量打印: choose the cases by filters, start a job, then watch its progress."""
    choices = {"procedures": list(store.catalog().procedures.values()),
               "places": [p for p in places_in_scope(g.reader) if p.level != "city"],
               "kinds": jobs.KINDS}
    errors: dict[str, list[str]] = {}
    form = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        try:
            job = jobs.start(g.reader, _filters(form), base_url())
            return redirect(url_for("documents.batch_job", job_id=job.id))
        except Invalid as exc:
            errors = exc.errors or {"_filters": [exc.message]}
            if "_jobs" in errors:  # too many jobs of this user: said above the form
                errors = {**errors, "_filters": errors["_jobs"]}
    recent = db.session.execute(
        db.select(Job).where(Job.user_id == g.reader.id, Job.kind == "batch_print")
        .order_by(Job.created_at.desc()).limit(10)).scalars().all()
    status = 422 if errors else 200
    return render_template("pdf/pages/batch.html", form=form, errors=errors, recent=recent,
                           **choices), status


def _filters(form) -> jobs.Filters:
    """The posted batch filters, checked; Invalid with a message per bad field."""
    errors: dict[str, list[str]] = {}
    values = {k: (form.get(k) or "").strip() for k in
              ("kind", "procedure", "state", "place", "date_from", "date_to")}
    filters = jobs.Filters(kind=values["kind"], procedure=values["procedure"],
                           state=values["state"])
    if values["procedure"] and values["procedure"] not in store.catalog().procedures:
        errors["procedure"] = ["没有这个流程"]
    if values["place"]:
        place = place_by_code(values["place"], g.reader)
        if place is None:
            errors["place"] = ["该地区不存在或不在您的管辖范围内"]
        else:
            filters.place_path, filters.place_name = place.path, place.name
    for name, label in (("date_from", "开始日期"), ("date_to", "结束日期")):
        if values[name]:
            try:
                setattr(filters, name, dt.date.fromisoformat(values[name]).isoformat())
            except ValueError:
                errors[name] = [f"「{label}」应为日期，如 2020-06-30"]
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["date_to"] = ["「结束日期」不能早于「开始日期」"]
    if errors:
        raise Invalid("筛选条件有误", errors)
    return filters


def _job(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if len(job_id) <= 32 else None
    if job is None or job.user_id != g.reader.id or job.kind != "batch_print":
        raise NotFound("打印任务不存在")
    return job


@documents.route("/documents/batch/<job_id>")
@reader_required
def batch_job(job_id: str) -> str:
    """The progress page of one batch (polls ``batch_status``)."""
    job = _job(job_id)
    return render_template("pdf/pages/batch_job.html", job=job, status=jobs.status(job),
                           kinds=jobs.KINDS)


@documents.route("/documents/batch/<job_id>/status")
@reader_required
def batch_status(job_id: str) -> Response:
    return jsonify(jobs.status(_job(job_id)))


@documents.route("/documents/batch/<job_id>/download")
@reader_required
def batch_download(job_id: str) -> Response:
    from workflow.jobs.queue import result_file

    job = _job(job_id)
    file = result_file(job) if job.status == "done" else None
    if file is None:
        raise Conflict("文件尚未生成或已过期，请稍候或重新提交")
    response = pdf_response(file.data, f"批量{jobs.KINDS.get(job.params.get('kind'), '')}-"
                            f"{job.created_at:%Y%m%d%H%M}.pdf")
    response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
        "inline", "attachment", 1)
    return response


@documents.route("/verify", defaults={"case_id": None, "code": None})
@documents.route("/verify/<int:case_id>/<code>")
@limiter.limit("60 per minute")
def verify_paper(case_id: int | None, code: str | None) -> Response | str:
    """Public: is this paper current, outdated or unknown? Shows nothing personal."""
    asked = parse_id(request.args.get("case", ""))  # within the id columns, or None
    if case_id is None and asked and request.args.get("code"):
        return redirect(url_for("documents.verify_paper", case_id=asked,
                                code=verify.normalize(request.args["code"])))
    verdict = verify.check(case_id, code) if case_id is not None and code else None
    return render_template("pdf/pages/verify.html", verdict=verdict, case_id=case_id,
                           code=code)
