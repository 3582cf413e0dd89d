"""贫困村退出: the villages in scope with their remaining poor (from the register), the
criteria profile that applies, and the button that starts an exit case."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from workflow.cases.applied import reader
from workflow.cases.models import Case
from workflow.cases.views import start_case
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import scope_filter
from workflow.registry.models import Household, Member
from workflow.villages.designations import designations_by_village
from workflow.villages.rules import profile_for

villages = Blueprint("villages", __name__)


@villages.route("/villages")
@login_required
def village_list() -> str:
    places = db.session.execute(select(Jurisdiction).where(
        Jurisdiction.level == "village", scope_filter(Jurisdiction.path, current_user))
        .order_by(Jurisdiction.path)).scalars().all()
    poor = dict(db.session.execute(
        select(Household.village_id, func.count(Member.id))
        .join(Member, Member.household_id == Household.id)
        .where(Household.status == "registered_poor",
               Household.village_id.in_([p.id for p in places]))
        .group_by(Household.village_id)).all())
    cases = dict(db.session.execute(select(Case.subject_id, Case.id).where(
        Case.procedure == "village_exit", Case.subject_type == "village",
        Case.subject_id.in_([p.id for p in places]))).all())
    plans = designations_by_village([p.id for p in places])
    rows = [{"place": p, "poor": poor.get(p.id, 0), "case": cases.get(p.id),
             "designation": plans.get(p.id),
             "profile": profile_for(p, reader(p.path))[0],
             "can_start": any(a.role == "village_clerk" for a in current_user.roles_over(p))}
            for p in places]
    return render_template("villages/list.html", rows=rows)


@villages.post("/villages/<int:village_id>/exit")
@login_required
def start(village_id: int) -> Response:
    return start_case("village_exit", village_id, url_for("villages.village_list"))


def init_app(app: Flask) -> None:
    app.register_blueprint(villages)
