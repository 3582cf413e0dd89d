"""Read-side queries over cases: lists with filters and the to-do list, always scoped."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import and_, false, func, or_

from workflow import clock
from workflow.auth.models import User
from workflow.cases.deadlines import overdue_clause
from workflow.cases.models import Case
from workflow.engine import store
from workflow.extensions import db
from workflow.jurisdictions.scope import scope_filter


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    more: bool = False  # more than ``total`` rows match: the count stopped at the cap
    approximate: bool = False  # ``total`` is an estimate (to-do: candidates not all checked)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(query, page: int, per_page: int) -> Page:
    """One page of ``query`` and the number of matching rows, counted up to COUNT_CAP:
    counting a whole city's million rows for a pager nobody pages through costs more
    than the page itself."""
    page = max(1, page)
    cap = int(current_app.config.get("COUNT_CAP", 10_000))
    total = db.session.execute(db.select(func.count()).select_from(
        query.order_by(None).limit(cap + 1).subquery())).scalar_one()
    items = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)
                               ).unique().scalars().all()
    return Page(items=items, page=page, per_page=per_page, total=min(total, cap),
                more=total > cap)


def case_query(user: User, *, procedure: str | None = None, state: str | None = None,
               jurisdiction_path: str | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, overdue: bool = False):
    """Cases in the user's scope, filtered, newest activity first."""
    query = db.select(Case).where(scope_filter(Case.jurisdiction_path, user))
    if overdue:
        query = query.where(overdue_clause(list(store.catalog().procedures.values()),
                                           clock.today(), current_app.config))
    if procedure:
        query = query.where(Case.procedure == procedure)
    if state:
        query = query.where(Case.state == state)
    if jurisdiction_path:
        query = query.where(Case.jurisdiction_path.startswith(jurisdiction_path,
                                                              autoescape=True))
    if date_from:
        query = query.where(Case.updated_at >= clock.day_start(date_from))
    if date_to:
        query = query.where(Case.updated_at < clock.day_start(date_to + dt.timedelta(days=1)))
    return query.order_by(Case.updated_at.desc(), Case.id.desc())


def todo_query(user: User):
    """Cases waiting on an action one of the user's roles may take, in that role's places."""
    clauses = []
    for assignment in user.assignments:
        for definition in store.catalog().procedures.values():
            states = {s for a in definition.actions.values()
                      if assignment.role in a.eligible_roles for s in a.source}
            if states:
                clauses.append(and_(
                    Case.procedure == definition.key, Case.state.in_(sorted(states)),
                    Case.jurisdiction_path.startswith(assignment.jurisdiction.path,
                                                      autoescape=True)))
    where = or_(*clauses) if clauses else false()
    return db.select(Case).where(where).order_by(Case.state_entered_at, Case.id)


def todo_page(user: User, page: int, per_page: int,
              allowed: Callable[[Case], list[Any]]) -> Page:
    """One page of the to-do list: (case, the actions ``allowed`` gives) for candidates
    that have any. Candidates are checked in order, a chunk at a time, only as far as the
    page needs; the total is exact when every candidate was checked, else the number of
    candidates (an estimate: a few may wait on someone else, e.g. a co-signer)."""
    page = max(1, page)
    query, wanted = todo_query(user), page * per_page + 1
    chunk = int(current_app.config.get("TODO_CHUNK", 100))
    waiting: list[tuple[Case, list[Any]]] = []
    offset = 0
    while len(waiting) < wanted:
        cases = db.session.execute(query.limit(chunk).offset(offset)).scalars().all()
        waiting += [(c, actions) for c in cases if (actions := allowed(c))]
        offset += chunk
        if len(cases) < chunk:
            items = waiting[(page - 1) * per_page:page * per_page]
            return Page(items=items, page=page, per_page=per_page, total=len(waiting))
    candidates = paginate(query, 1, 1)
    return Page(items=waiting[(page - 1) * per_page:page * per_page], page=page,
                per_page=per_page, total=max(candidates.total, len(waiting)),
                more=candidates.more, approximate=True)
