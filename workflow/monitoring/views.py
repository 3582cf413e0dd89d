"""监测: households the register rule flags with no case opened yet, and those monitored."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Flask, current_app, g, jsonify, render_template
from flask_login import current_user, login_required

from workflow import clock
from workflow.api.views import _int_arg, token_required
from workflow.engine.errors import Invalid
from workflow.extensions import csrf, db
from workflow.jurisdictions.scope import scope_filter
from workflow.monitoring.models import MonitoringRecord
from workflow.monitoring.rules import flagged_query, threshold
from workflow.registry.models import Household

monitoring = Blueprint("monitoring", __name__)
monitoring_api = Blueprint("monitoring_api", __name__, url_prefix="/api/v1")
csrf.exempt(monitoring_api)
LIMIT = 500
CENT = Decimal("0.01")


def _year() -> int:
    settings = current_app.config
    years = [y for y in settings["POVERTY_LINES"] if y <= clock.today().year]
    default = max(years or settings["POVERTY_LINES"])
    year = _int_arg("year", default, 2014, 2035)
    if threshold(settings, year) is None:
        raise Invalid("查询参数有误", {"year": [f"未设置 {year} 年的贫困线和监测标准"]})
    return year


def flagged(user, year: int) -> list[dict]:
    rows = db.session.execute(flagged_query(current_app.config, year, scope_filter(
        Household.jurisdiction_path, user)).limit(LIMIT)).all()
    return [{"household": h, "per_capita": (Decimal(total) / max(size, 1)).quantize(CENT)}
            for h, total, size in rows]


@monitoring.route("/monitoring")
@login_required
def page() -> str:
    year = _year()
    monitored = db.session.execute(
        db.select(Household, MonitoringRecord)
        .join(MonitoringRecord, MonitoringRecord.household_id == Household.id)
        .where(scope_filter(Household.jurisdiction_path, current_user))
        .order_by(MonitoringRecord.id.desc()).limit(LIMIT)).all()
    return render_template("monitoring/page.html", year=year,
                           threshold=threshold(current_app.config, year),
                           flagged=flagged(current_user, year), monitored=monitored)


@monitoring_api.get("/monitoring/flags")
@token_required
def api_flags():
    year = _year()
    return jsonify({"year": year, "threshold": str(threshold(current_app.config, year)),
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
