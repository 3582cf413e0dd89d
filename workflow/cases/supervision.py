"""督办: the cases over a time limit (超期) in the user's jurisdiction that wait on a level
below the user's (a township sees its villages' late checks, a county its townships'),
so that the level above can press them. Thin: the query and a page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import and_, false, or_

from workflow.auth.models import User
from workflow.cases import timelimits
from workflow.cases.models import Case
from workflow.cases.queries import paginate
from workflow.cases.schemas import case_summaries
from workflow.engine import store
from workflow.extensions import db
from workflow.jurisdictions.models import LEVELS
from workflow.jurisdictions.scope import scope_filter

supervision = Blueprint("supervision", __name__)


def top_level(user: User) -> str | None:
    """The highest level the user holds a role at (city above county ...)."""
    levels = [a.jurisdiction.level for a in user.assignments if a.jurisdiction.level in LEVELS]
    return min(levels, key=LEVELS.index) if levels else None


def waiting_below(level: str):
    """A WHERE clause: the case's current step is acted on at a level below ``level``."""
    below = set(LEVELS[LEVELS.index(level) + 1:])
    clauses = []
    for definition in store.catalog().procedures.values():
        states = sorted({s for a in definition.actions.values() if a.level in below
                         for s in a.source})
        if states:
            clauses.append(and_(Case.procedure == definition.key, Case.state.in_(states)))
    return or_(*clauses) if clauses else false()


def supervision_query(user: User):
    """The over-limit cases in the user's scope waiting on a level below the user's,
    longest in their step first."""
    level = top_level(user)
    if level is None or level == LEVELS[-1]:
        return db.select(Case).where(false())
    definitions = list(store.catalog().procedures.values())
    return (db.select(Case)
            .where(scope_filter(Case.jurisdiction_path, user), waiting_below(level),
                   timelimits.level_clause(definitions, "red"))
            .order_by(Case.state_entered_at, Case.id))


@supervision.get("/supervision")
@login_required
def index() -> str:
    """督办: the page."""
    from workflow.cases.views import _per_page, page_number

    page = paginate(supervision_query(current_user), page_number(), _per_page())
    return render_template("cases/supervision.html", page=page,
                           rows=case_summaries(page.items),
                           limits=timelimits.for_cases(page.items),
                           level=top_level(current_user))
