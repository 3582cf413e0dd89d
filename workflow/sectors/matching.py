"""One matching run for a county: every rule against its source's latest import, in SQL
(each rule an INSERT … SELECT into the run's hits), then merged into the discrepancy
lists in three statements: open ones no longer found are cleared, new ones opened, and
one the village judged 部门数据有误 on the same import is not raised again.
"""
from __future__ import annotations

import time

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select, update

from workflow import clock
from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.registry.models import Household
from workflow.sectors.formats import formats
from workflow.sectors.models import Discrepancy, MatchHit, MatchRun, SectorImport
from workflow.sectors.rules import RULES, MatchContext

DEFAULT_SCHOOL_AGE = (6, 15)


def latest_imports(county: Jurisdiction) -> dict[str, SectorImport]:
    """The newest import (by data date, then order) of each source for the county."""
    found: dict[str, SectorImport] = {}
    rows = db.session.execute(select(SectorImport).where(SectorImport.county_id == county.id)
                              .order_by(SectorImport.as_of, SectorImport.id)).scalars()
    for row in rows:
        found[row.source] = row
    return {k: v for k, v in found.items() if k in formats()}


def school_age(path: str, year: int) -> tuple[int, int]:
    """The compulsory-schooling ages (settings school_age.min / school_age.max)."""
    from workflow.settings import lookup

    low, high = (lookup(f"school_age.{k}", place=path, year=year) for k in ("min", "max"))
    return (int(low.value) if low else DEFAULT_SCHOOL_AGE[0],
            int(high.value) if high else DEFAULT_SCHOOL_AGE[1])


def run_matching(county: Jurisdiction, actor: User, commit: bool = True) -> MatchRun:
    """Compare the county's register with its latest sector data; the run's counts."""
    started = time.perf_counter()
    imports = latest_imports(county)
    run = MatchRun(county_id=county.id, jurisdiction_path=county.path, actor_id=actor.id,
                   started_at=clock.utcnow(), imports={k: v.id for k, v in imports.items()})
    db.session.add(run)
    db.session.flush()
    for one in RULES.values():
        source = imports.get(one.source)
        if source is None:
            continue
        ctx = MatchContext(county.path, source.id, source.as_of,
                           school_age(county.path, source.as_of.year))
        for statement in one.fn(ctx):
            found = statement.subquery()
            hid, mid, reason = list(found.c)
            db.session.execute(insert(MatchHit).from_select(
                ["run_id", "rule", "import_id", "household_id", "member_id", "reason"],
                select(literal(run.id), literal(one.name), literal(source.id), hid, mid,
                       reason)))
    _merge(run)
    run.seconds = round(time.perf_counter() - started, 3)
    if commit:
        db.session.commit()
    return run


def _same(hit, row) -> object:
    """A hit and a discrepancy about the same thing (rule, household, member, reason)."""
    return and_(hit.rule == row.rule, hit.household_id == row.household_id,
                func.coalesce(hit.member_id, 0) == func.coalesce(row.member_id, 0),
                hit.reason == row.reason)


def _merge(run: MatchRun) -> None:
    d, h = Discrepancy, MatchHit
    in_county = d.jurisdiction_path.startswith(run.jurisdiction_path, autoescape=True)
    run.found = db.session.execute(select(func.count()).select_from(h)
                                   .where(h.run_id == run.id)).scalar_one()
    db.session.execute(
        update(d).where(in_county, d.status == "open",
                        ~exists().where(h.run_id == run.id, _same(h, d)))
        .values(status="cleared", verified_at=clock.utcnow(), run_id=run.id)
        .execution_options(synchronize_session=False))
    source_of = {name: one.source for name, one in RULES.items()}
    source = case(source_of, value=h.rule, else_=literal(""))
    known = exists().where(_same(h, d), (d.status == "open")
                           | ((d.status == "sector_wrong") & (d.import_id == h.import_id)))
    db.session.execute(insert(d).from_select(
        ["run_id", "rule", "source", "import_id", "household_id", "member_id", "village_id",
         "jurisdiction_path", "reason", "status"],
        select(literal(run.id), h.rule, source, h.import_id, h.household_id, h.member_id,
               Household.village_id, Household.jurisdiction_path, h.reason, literal("open"))
        .join(Household, Household.id == h.household_id)
        .where(h.run_id == run.id, ~known)))
    # Counted afterwards: a driver's rowcount of INSERT … SELECT is not always given.
    run.cleared, run.opened = (db.session.execute(select(func.count()).select_from(d).where(
        d.run_id == run.id, d.status == status)).scalar_one() for status in ("cleared", "open"))
    db.session.execute(delete(h).where(h.run_id == run.id))
