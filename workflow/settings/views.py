"""/admin/settings (参数设置): every key's value at a place and year with its source and
document, the form an administrator sets a value with, a key's history; the banner that
tells administrators the current year has no poverty line. Thin: parse, call, render."""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow import clock
from workflow.engine.errors import Invalid
from workflow.engine.fields import parse_int
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import place_by_code
from workflow.settings import operations as ops
from workflow.settings import queries
from workflow.settings.keys import all_specs, spec
from workflow.settings.lookup import python_value

settings_pages = Blueprint("settings", __name__)
CACHE = "workflow.settings_banner"
FORM_FIELDS = ("key", "value", "year", "on", "place", "document", "reason")


def read_filters(args, user) -> tuple[Jurisdiction | None, int, list[str]]:
    """The place (code in scope; blank: installation-wide) and year of a request."""
    problems: list[str] = []
    year = clock.today().year
    if raw := args.get("year", ""):
        parsed = parse_int(raw, *ops.YEARS)
        if parsed is None:
            problems.append(f"「年度」须为 {ops.YEARS[0]} 至 {ops.YEARS[1]} 之间的年份")
        else:
            year = parsed
    place = None
    if code := args.get("place", ""):
        place = place_by_code(code, user)
        if place is None:
            problems.append("「地区」不存在或不在您的管辖范围内")
    return place, year, problems


def _page(status: int = 200, form: dict | None = None, errors: dict | None = None):
    args = request.args if form is None else request.values
    place, year, problems = read_filters(args, current_user)
    if not args.get("place") and not problems and form is None:
        place = _home(current_user)
    settable = queries.settable_places(current_user)
    values = {"year": str(year), "place": place.code if place else ""} | (form or {})
    return render_template(
        "settings/index.html", rows=queries.overview(place, year), place=place, year=year,
        problems=problems, places=queries.readable_places(current_user),
        settable=settable, wide=queries.may_set_wide(current_user), specs=all_specs(),
        values=values, errors=errors or {}), status


def _home(user) -> Jurisdiction | None:
    """Where a reader starts: the top of its first assignment (what applies to it)."""
    places = sorted((a.jurisdiction for a in user.assignments), key=lambda p: len(p.path))
    return places[0] if places else None


@settings_pages.get("/admin/settings")
@login_required
def index():
    return _page()


@settings_pages.post("/admin/settings")
@login_required
def set_value() -> Response | tuple:
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    if not queries.settable_places(current_user) and not queries.may_set_wide(current_user):
        abort(403)
    try:
        row = ops.set_setting(current_user, form["key"], form["value"], year=form["year"],
                              on=form["on"], place=form["place"] or None,
                              document=form["document"], reason=form["reason"])
    except Invalid as exc:
        return _page(422, form, exc.errors)
    one = spec(row.key)
    shown = ops.display(one, python_value(one, row.value))
    flash(f"已设置「{one.title}」为 {shown}（{row.document}）", "success")
    return redirect(url_for("settings.index", place=form["place"], year=row.year or
                            (row.effective_on.year if row.effective_on else "")))


@settings_pages.get("/admin/settings/<key>")
@login_required
def key_history(key: str):
    one = spec(key)
    if one is None:
        abort(404)
    rows = queries.history(current_user, key)
    return render_template("settings/history.html", spec=one, rows=rows,
                           shown=lambda r: ops.display(one, python_value(one, r.value)))


def banner() -> dict | None:
    """For administrators: the places they administer with no poverty line this year
    (cached for the request; nothing is queried for anyone else)."""
    # Cached in the WSGI environ: g outlives a request when an app context is held open.
    if CACHE in request.environ:
        return request.environ[CACHE]
    result = None
    if current_user.is_authenticated and current_user.is_admin:
        year = clock.today().year
        missing = queries.lines_missing(current_user, year)
        if missing:
            result = {"year": year, "places": "、".join(p.name for p in missing),
                      "url": url_for("settings.index", year=year, place=missing[0].code)}
    request.environ[CACHE] = result
    return result


def init_app(app: Flask) -> None:
    """Register the settings page, API, CLI and banner on ``app``."""
    from workflow.settings import api, cli, models  # noqa: F401  (models: the table)

    app.register_blueprint(settings_pages)
    app.register_blueprint(api.settings_api)
    app.cli.add_command(cli.settings_cli)

    @app.context_processor
    def settings_banner():
        return {"settings_banner": banner}  # called by base.html only, lazily
