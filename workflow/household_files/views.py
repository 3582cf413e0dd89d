"""一户一档 routes: start a package for one household (POST /households/<id>/file) or for
a village or township (GET/POST /household-files, the village page's button posts there),
both as ``household_files`` jobs whose file is downloaded from 我的任务; and the public
check of a package (/verify/household-file/<code>). Thin: the parts are parts.py, the
assembly package.py, the verdicts check.py."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.documents import verify
from workflow.documents.views import base_url
from workflow.engine.errors import Invalid, WorkflowError
from workflow.extensions import db, limiter
from workflow.household_files import check
from workflow.household_files.jobs import SCOPE_LEVELS
from workflow.jobs import queue
from workflow.jobs.models import Job
from workflow.jurisdictions.scope import get_in_scope, places_in_scope
from workflow.registry.models import Household

household_files = Blueprint("household_files", __name__)
STARTED = "已提交生成一户一档：可在「我的任务」查看进度并下载"


def _messages(exc: WorkflowError) -> list[str]:
    return [m for ms in (exc.errors or {}).values() for m in ms] or [exc.message]


@household_files.post("/households/<int:household_id>/file")
@login_required
def one(household_id: int) -> Response:
    """One household's package, in the background."""
    household = get_in_scope(Household, household_id, current_user)  # else 404
    try:
        queue.enqueue("household_files", {"household": household.id, "base_url": base_url()},
                      current_user, jurisdiction_path=household.jurisdiction_path)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash("；".join(_messages(exc)), "error")
        return redirect(url_for("register_edits.show", household_id=household.id))
    flash(STARTED, "success")
    return redirect(url_for("jobs.page"))


@household_files.route("/household-files", methods=["GET", "POST"])
@login_required
def batch() -> Response | tuple[str, int]:
    """A village's or a township's packages (a zip of one PDF per household)."""
    errors: list[str] = []
    chosen = (request.form.get("place") or request.args.get("place") or "").strip()
    if request.method == "POST":
        try:
            queue.enqueue("household_files", {"place": chosen, "base_url": base_url()},
                          current_user)
            db.session.commit()
            flash(STARTED, "success")
            return redirect(url_for("jobs.page"))
        except Invalid as exc:
            db.session.rollback()
            errors = _messages(exc)
    places = [p for p in places_in_scope(current_user) if p.level in SCOPE_LEVELS]
    recent = db.session.execute(db.select(Job).where(
        Job.user_id == current_user.id, Job.kind == "household_files")
        .order_by(Job.created_at.desc()).limit(10)).scalars().all()
    return render_template("household_files/start.html", places=places, chosen=chosen,
                           errors=errors, recent=recent, levels=SCOPE_LEVELS), \
        422 if errors else 200


@household_files.route("/verify/household-file", defaults={"code": None})
@household_files.route("/verify/household-file/<code>")
@limiter.limit("60 per minute")
def verify_file(code: str | None) -> Response | str:
    """Public (no login): part by part, is a printed package still current?"""
    if code is None and request.args.get("code"):
        return redirect(url_for("household_files.verify_file",
                                code=verify.normalize(request.args["code"])[:16]))
    verdict = check.check(code) if code else None
    return render_template("household_files/verify.html", verdict=verdict, code=code or "")


def init_app(app: Flask) -> None:
    app.register_blueprint(household_files)
