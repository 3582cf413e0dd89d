"""监测: households the register rule flags with no case opened yet, and those monitored."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Flask, g, jsonify, render_template
from flask_login import current_user, login_required

from workflow import clock
from workflow.api.views import _int_arg, token_required
from workflow.cases.applied import missing_message, reader
from workflow.engine.errors import Invalid
from workflow.extensions import csrf, db
from workflow.jurisdictions.scope import scope_filter
from workflow.monitoring.models import MonitoringRecord
from workflow.monitoring.rules import basis_text, flagged_query, threshold
from workflow.registry.models import Household

monitoring = Blueprint("monitoring", __name__)
monitoring_api = Blueprint("monitoring_api", __name__, url_prefix="/api/v1")
csrf.exempt(monitoring_api)
LIMIT = 500
CENT = Decimal("0.01")


def _place(user) -> str | None:
    """Whose settings the page applies: the user's (first) place of work."""
    return user.assignments[0].jurisdiction.path if user.assignments else None


def _year(user) -> int:
    """The year asked for, else the latest up to this one with a threshold at the
    user's place."""
    read = reader(_place(user))
    this_year = clock.today().year
    default = next((y for y in range(this_year, 2013, -1) if threshold(read, y) is not None),
                   this_year)
    year = _int_arg("year", default, 2014, 2035)
    if threshold(read, year) is None:
        raise Invalid("查询参数有误", {"year": [missing_message(
            "poverty_line", "贫困线和监测标准", _place(user), year)]})
    return year


def flagged(user, year: int) -> list[dict]:
    rows = db.session.execute(flagged_query(reader(_place(user)), year, scope_filter(
        Household.jurisdiction_path, user)).limit(LIMIT)).all()
    return [{"household": h, "per_capita": (Decimal(total) / max(size, 1)).quantize(CENT)}
            for h, total, size in rows]


@monitoring.route("/monitoring")
@login_required
def page() -> str:
    year = _year(current_user)
    monitored = db.session.execute(
        db.select(Household, MonitoringRecord)
        .join(MonitoringRecord, MonitoringRecord.household_id == Household.id)
        .where(scope_filter(Household.jurisdiction_path, current_user))
        .order_by(MonitoringRecord.id.desc()).limit(LIMIT)).all()
    return render_template("monitoring/page.html", year=year,
                           threshold=threshold(reader(_place(current_user)), year),
                           basis=basis_text(reader(_place(current_user)), year),
                           flagged=flagged(current_user, year), monitored=monitored)


@monitoring_api.get("/monitoring/flags")
@token_required
def api_flags():
    year = _year(g.user)
    return jsonify({"year": year, "threshold": str(threshold(reader(_place(g.user)), year)),
                    "households": [{"id": r["household"].id,
                                    "head_name": r["household"].head_name,
                                    "masked_id": r["household"].masked_id,
                                    "village": r["household"].village.name,
                                    "status": r["household"].status,
                                    "per_capita": str(r["per_capita"])}
                                   for r in flagged(g.user, year)]})


def init_app(app: Flask) -> None:
    app.register_blueprint(monitoring)
    app.register_blueprint(monitoring_api)


@monitoring.post("/monitoring/<int:household_id>/entry")
@login_required
def start(household_id: int):
    """发起防止返贫监测对象纳入 for a flagged household."""
    from flask import url_for

    from workflow.cases.views import start_case

    return start_case("monitoring_entry", household_id, url_for("monitoring.page"))
