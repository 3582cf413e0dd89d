"""A village's page (designation, exit case and indicators, projects and funds against
its exit plan) and the boards' drill-down to the low-income villages still to go."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request
from flask_login import current_user, login_required

from workflow.jurisdictions.scope import place_by_code
from workflow.oversight import staged
from workflow.villages.support import village_page

village_pages = Blueprint("village_pages", __name__)


def _place(code: str, level: str | None = None):
    """The place ``code`` in the user's scope (and of ``level``), else 404."""
    place = place_by_code(code[:12], current_user) if code.isdigit() else None
    if place is None or (level and place.level != level):
        abort(404)
    return place


@village_pages.route("/villages/<code>")
@login_required
def show(code: str) -> str:
    return render_template("villages/village.html", **village_page(_place(code, "village")))


@village_pages.route("/boards/villages")
@login_required
def to_go() -> str:
    """低收入村 still to go under a place of the board, each with what holds it back."""
    place = _place(request.args.get("place", ""))
    return render_template("villages/to_go.html", place=place, rows=staged.to_go(place),
                           staged=staged.staged(place))


def init_app(app: Flask) -> None:
    app.register_blueprint(village_pages)
