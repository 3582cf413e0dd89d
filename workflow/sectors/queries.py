"""Reading the sectors area, always within the user's jurisdictions: the discrepancy
lists, the counts per place, the imports, and what the guards ask about a household."""
from __future__ import annotations

from sqlalchemy import func, select

from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import scope_filter
from workflow.sectors.formats import get
from workflow.sectors.models import Discrepancy, SectorImport
from workflow.sectors.rules import RULES

PAGE = 200


def department_of(source: str) -> str:
    fmt = get(source)
    return fmt.department_title if fmt else source


def open_reasons(household_id: int, sources: set[str] | None = None) -> list[str]:
    """The household's open discrepancies as guard messages naming the department whose
    data disagrees (``sources``: only those departments' data)."""
    query = select(Discrepancy).where(Discrepancy.household_id == household_id,
                                      Discrepancy.status == "open").order_by(Discrepancy.id)
    if sources is not None:
        query = query.where(Discrepancy.source.in_(sources))
    out = []
    for row in db.session.execute(query).scalars():
        who = f"成员{row.member.name}" if row.member else "该户"
        aspect = RULES[row.rule].aspect if row.rule in RULES else row.rule
        out.append(f"“{aspect}”：{department_of(row.source)}数据与登记不一致（{who}：{row.reason}），"
                   "须由村里核实后才能继续")
    return out


def counts_by_village(user: User) -> list[dict]:
    """Per village in scope: open, corrected, sector_wrong and cleared counts."""
    d, j = Discrepancy, Jurisdiction
    rows = db.session.execute(
        select(j.code, j.name, j.path, d.status, func.count())
        .join(j, j.id == d.village_id).where(scope_filter(d.jurisdiction_path, user))
        .group_by(j.code, j.name, j.path, d.status).order_by(j.path)).all()
    by: dict[str, dict] = {}
    for code, name, path, status, n in rows:
        entry = by.setdefault(code, {"code": code, "name": name, "path": path, "open": 0,
                                     "corrected": 0, "sector_wrong": 0, "cleared": 0})
        entry[status] = n
    return list(by.values())


def discrepancies(user: User, village_code: str | None = None, status: str | None = "open",
                  page: int = 1) -> list[Discrepancy]:
    """One page of the discrepancies in scope (a village's, when given)."""
    query = select(Discrepancy).where(scope_filter(Discrepancy.jurisdiction_path, user))
    if village_code:
        query = query.join(Jurisdiction, Jurisdiction.id == Discrepancy.village_id).where(
            Jurisdiction.code == village_code)
    if status:
        query = query.where(Discrepancy.status == status)
    return list(db.session.execute(query.order_by(Discrepancy.id).limit(PAGE)
                                   .offset((max(page, 1) - 1) * PAGE)).scalars())


def imports_in_scope(user: User) -> list[SectorImport]:
    """The imports of the counties in (or above) the user's scope, newest first."""
    places = [a.jurisdiction.path for a in user.assignments]
    rows = db.session.execute(select(SectorImport).order_by(SectorImport.id.desc())
                              .limit(100)).scalars()
    return [r for r in rows if any(r.jurisdiction_path.startswith(p) or p.startswith(
        r.jurisdiction_path) for p in places)]


def data_judged_by(path: str, when=None) -> list[SectorImport]:
    """The sector data in force for a place at ``when`` (a step's time; now if None): the
    latest import of each source of the place's county, imported before ``when``."""
    query = select(SectorImport).order_by(SectorImport.as_of, SectorImport.id)
    if when is not None:
        query = query.where(SectorImport.imported_at <= when)
    found: dict[str, SectorImport] = {}
    for row in db.session.execute(query).scalars():
        if path.startswith(row.jurisdiction_path):
            found[row.source] = row
    return list(found.values())
