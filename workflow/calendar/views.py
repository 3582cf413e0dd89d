"""/admin/calendar (节假日设置): the additions, the years counted Monday-Friday for want of
data (a warning), the form to add or remove a date. Thin: parse, call, render."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow import clock
from workflow.calendar import operations as ops
from workflow.calendar import workdays
from workflow.calendar.models import KINDS
from workflow.engine.errors import Forbidden, Invalid
from workflow.settings.operations import may_set

calendar_pages = Blueprint("calendar", __name__)
FORM_FIELDS = ("day", "kind", "name", "reason")


def _page(status: int = 200, form: dict | None = None, errors: dict | None = None):
    if not current_user.is_admin:
        abort(403)
    this_year = clock.today().year
    calendar = workdays.load()
    return render_template(
        "calendar/index.html", rows=ops.additions(), kinds=KINDS,
        unknown=workdays.unknown_years([this_year, this_year + 1], calendar),
        package_years=(min(workdays.PACKAGE_YEARS), max(workdays.PACKAGE_YEARS)),
        may_set=may_set(current_user, None), values=form or {}, errors=errors or {}), status


@calendar_pages.get("/admin/calendar")
@login_required
def index():
    return _page()


@calendar_pages.post("/admin/calendar")
@login_required
def set_day() -> Response | tuple:
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    try:
        row = ops.set_day(current_user, form["day"], form["kind"], form["name"], form["reason"])
    except Invalid as exc:
        return _page(422, form, exc.errors)
    except Forbidden:
        abort(403)
    flash(f"已设置 {row.day} 为{row.kind_title}（{row.name}）", "success")
    return redirect(url_for("calendar.index"))


@calendar_pages.post("/admin/calendar/remove")
@login_required
def remove_day() -> Response | tuple:
    day = request.form.get("day", "")
    try:
        ops.remove_day(current_user, day)
    except Invalid as exc:
        return _page(422, {}, exc.errors)
    except Forbidden:
        abort(403)
    flash(f"已删除 {day} 的节假日设置", "success")
    return redirect(url_for("calendar.index"))


def init_app(app: Flask) -> None:
    """Register the page, the CLI and ``audit verify``'s check of the additions."""
    from workflow.audit import admin
    from workflow.calendar import cli, verify

    app.register_blueprint(calendar_pages)
    app.cli.add_command(cli.calendar_cli)
    if verify.problems not in admin.ROW_CHECKS:
        admin.ROW_CHECKS.append(verify.problems)
