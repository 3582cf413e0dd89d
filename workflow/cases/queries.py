"""Read-side queries over cases: lists with filters and the to-do list, always scoped."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import false, func, literal, union

from workflow import clock
from workflow.auth.models import User
from workflow.cases import substitutes
from workflow.cases.context import load_subjects
from workflow.cases.deadlines import overdue_clause
from workflow.cases.models import Case
from workflow.cases.timelimits import level_clause
from workflow.engine import store
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter, scope_filter, with_predecessors


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    more: bool = False  # more than ``total`` rows match: the count stopped at the cap
    approximate: bool = False  # ``total`` is an estimate (to-do: candidates not all checked)
    held: list[Any] = field(default_factory=list, repr=False)  # rows kept in the session

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(query, page: int, per_page: int) -> Page:
    """One page of ``query`` and the number of matching rows (see ``capped_count``)."""
    page = max(1, page)
    total, more = capped_count(query)
    items = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)
                               ).unique().scalars().all()
    return Page(items=items, page=page, per_page=per_page, total=total, more=more)


def capped_count(query) -> tuple[int, bool]:
    """(rows of ``query`` counted up to COUNT_CAP, whether there are more): counting a
    whole city's million rows for a pager nobody pages through costs more than the page."""
    cap = int(current_app.config.get("COUNT_CAP", 10_000))
    total = db.session.execute(db.select(func.count()).select_from(
        query.order_by(None).limit(cap + 1).subquery())).scalar_one()
    return min(total, cap), total > cap


def case_query(user: User, *, procedure: str | None = None, state: str | None = None,
               jurisdiction_path: str | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, overdue: bool = False,
               limit: str | None = None):
    """Cases in the user's scope, filtered, newest activity first; ``limit``: those
    with a time limit 超期 (``red``) or 临期 (``yellow``)."""
    query = db.select(Case).where(scope_filter(Case.jurisdiction_path, user))
    if overdue:
        query = query.where(overdue_clause(list(store.catalog().procedures.values()),
                                           clock.today()))
    if limit:
        query = query.where(level_clause(list(store.catalog().procedures.values()), limit))
    if procedure:
        query = query.where(Case.procedure == procedure)
    if state:
        query = query.where(Case.state == state)
    if jurisdiction_path:  # a successor's filter finds the cases of places merged into it
        query = query.where(paths_filter(Case.jurisdiction_path,
                                         with_predecessors([jurisdiction_path])))
    if date_from:
        query = query.where(Case.updated_at >= clock.day_start(date_from))
    if date_to:
        query = query.where(Case.updated_at < clock.day_start(date_to + dt.timedelta(days=1)))
    return query.order_by(Case.updated_at.desc(), Case.id.desc())


def todo_query(user: User):
    """(id, number of candidates) of the cases waiting on an action one of the user's
    roles may take, in that role's places, longest waiting first.

    Ids only, so that PostgreSQL answers from the ix_cases_todo index (procedure, state,
    path, then the waiting time) without reading the cases: a county has tens of
    thousands of candidates at a million cases, and sorting whole rows took 0.6 s."""
    parts = []
    # With the roles held today for others (授权代办): their to-do is the delegate's too.
    for assignment in [*user.assignments, *substitutes.acting_for(user)]:
        for definition in store.catalog().procedures.values():
            states = {s for a in definition.actions.values()
                      if assignment.role in a.eligible_roles for s in a.source}
            if states:
                # One SELECT per (role, procedure), UNION ALL: an OR of them made
                # PostgreSQL read every candidate row through a bitmap instead.
                parts.append(db.select(Case.id, Case.state_entered_at).where(
                    Case.procedure == definition.key, Case.state.in_(sorted(states)),
                    Case.jurisdiction_path.startswith(assignment.jurisdiction.path,
                                                      autoescape=True)))
    if not parts:
        return db.select(Case.id, literal(0)).where(false())
    # A case reached through two assignments is listed once.
    candidates = (union(*parts) if len(parts) > 1 else parts[0]).subquery()
    # Each row also carries the number of candidates (a window, counted before LIMIT).
    return (db.select(candidates.c.id, func.count().over())
            .order_by(candidates.c.state_entered_at, candidates.c.id))


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
    held: list[Any] = []  # the candidates' subjects, kept for the page (case_summaries)
    offset, size, candidates = 0, min(chunk, wanted), 0
    while len(waiting) < wanted:
        rows = db.session.execute(query.limit(size).offset(offset)).all()
        ids = [case_id for case_id, _ in rows]
        candidates = rows[0][1] if rows else candidates
        by_id = {c.id: c for c in db.session.execute(
            db.select(Case).where(Case.id.in_(ids))).unique().scalars()}
        # ``allowed`` reads each case's subject (the subject guards): one query per kind
        # for the chunk, held here because the session's identity map keeps weak references.
        held += load_subjects(list(by_id.values()))
        for case_id in ids:
            if len(waiting) == wanted:
                break
            if actions := allowed(by_id[case_id]):
                waiting.append((by_id[case_id], actions))
        if len(waiting) < wanted and len(ids) < size:  # every candidate checked: exact
            return Page(items=waiting[(page - 1) * per_page:page * per_page], page=page,
                        per_page=per_page, total=len(waiting), held=held)
        offset, size = offset + size, chunk
    return Page(items=waiting[(page - 1) * per_page:page * per_page], page=page,
                per_page=per_page, total=max(candidates, len(waiting)), approximate=True,
                held=held)
