"""The 建档立卡 roster as a file: import (validated row by row, all or nothing, idempotent)
and export in the same format.

Two tables: 家庭成员 (one row per person; the household's own columns are read from the
head's row) and 收入 (one row per household and year). An .xlsx workbook carries both as
sheets; CSV comes as two files. A household is known by its head's ID number: importing
it again updates what changed and leaves the rest alone, so the same file twice writes
nothing the second time. Rows are read and checked with plain tuples and written with
Core executemany statements: 100,000 households stay within a minute.
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import bindparam, delete, insert, select, update

from workflow.audit import register
from workflow.auth.models import User
from workflow.engine.errors import Forbidden
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import scope_filter
from workflow.registry.models import (
    HOUSEHOLD_STATUSES,
    INCOME_KINDS,
    Household,
    IncomeRecord,
    Member,
    mask_id_number,
)
from workflow.registry.operations import REGISTER_EDITORS
from workflow.registry.roster_check import (
    INCOME_COLUMNS,
    MEMBER_COLUMNS,
    Report,
    parse,
    read_tables,
)

# --- writing ---------------------------------------------------------------------------

HOUSEHOLD_FIELDS = ("head_name", "village_id", "jurisdiction_path", "status", "dibao", "tekun",
                    "bank_account", "registered_year", "phone", "address")
CHUNK = 2000
ANALYZE_AFTER = 5000  # households written by one import
LISTED = 500  # households named per village in a register event


def _villages(user: User) -> dict[str, tuple[int, str]]:
    """Villages the user may edit the register of: code -> (id, path)."""
    rows = db.session.execute(select(Jurisdiction).where(
        Jurisdiction.level == "village", scope_filter(Jurisdiction.path, user))).scalars()
    return {v.code: (v.id, v.path) for v in rows
            if any(a.role in REGISTER_EDITORS for a in user.roles_over(v))}


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _existing(head_ids: list[str]) -> tuple[dict, dict, dict]:
    """What the database holds for these heads: households, members and incomes."""
    households: dict[str, dict] = {}
    hh = Household.__table__
    for part in _chunks(head_ids):
        for row in db.session.execute(select(hh.c.id, hh.c.id_number, *[
                hh.c[f] for f in HOUSEHOLD_FIELDS]).where(hh.c.id_number.in_(part))).mappings():
            households[row["id_number"]] = dict(row)
    ids = [h["id"] for h in households.values()]
    members: dict[int, list] = defaultdict(list)
    incomes: dict[int, dict] = defaultdict(dict)
    mt, it = Member.__table__, IncomeRecord.__table__
    for part in _chunks(ids):
        for row in db.session.execute(select(mt.c.household_id, mt.c.name, mt.c.relation,
                                             mt.c.id_number, mt.c.disabled)
                                      .where(mt.c.household_id.in_(part)).order_by(mt.c.id)):
            members[row[0]].append((row[1], row[2], row[3], bool(row[4])))
        for row in db.session.execute(select(it).where(it.c.household_id.in_(part))).mappings():
            incomes[row["household_id"]][row["year"]] = (
                *(Decimal(row[k]).quantize(Decimal("0.01")) for k in INCOME_KINDS),
                row["household_size"])
    return households, members, incomes


def import_roster(files: list[tuple[str, bytes]], actor: User) -> Report:
    """Check the whole file; write only when every row is valid, and only what changed."""
    if not any(a.role in REGISTER_EDITORS for a in actor.assignments):
        raise Forbidden("您的角色不能导入建档立卡信息")
    member_rows, income_rows = read_tables(files)
    report = Report()
    households = parse(member_rows, income_rows, _villages(actor), report)
    report.households = len(households)
    existing, old_members, old_incomes = _existing(list(households))
    for head_id, old in existing.items():
        new = households[head_id]
        if new.get("village_id") and old["village_id"] != new["village_id"]:
            report.add("家庭成员表", new["line"], "村代码",
                       "与系统中已登记的村不同；迁移户请先办理迁出")
    if report.problems:
        return report
    try:
        per_village = _write(households, existing, old_members, old_incomes, report)
        _record(per_village, files, actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if report.created + report.updated > ANALYZE_AFTER and \
            db.session.get_bind().dialect.name == "postgresql":
        # After a bulk load the planner's row estimates are stale until autovacuum runs;
        # without fresh statistics the next import's ID lookups fall back to scans.
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE households, household_members, income_records")
    return report


def _record(per_village: dict[int, tuple[list, list]], files: list[tuple[str, bytes]],
            actor: User) -> None:
    """One event on each changed village's register chain: the files by digest, and the
    households created and updated by head (masked ID), the first LISTED of each."""
    digests = [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
               for name, data in files]
    names = "、".join(d["name"] for d in digests)
    for village_id in sorted(per_village):
        created, updated = per_village[village_id]
        register.record(village_id, "roster_imported", actor,
                        f"导入名册（{names}）：新建 {len(created)} 户，更新 {len(updated)} 户",
                        {"files": digests, "created": len(created), "updated": len(updated),
                         "created_households": created[:LISTED],
                         "updated_households": updated[:LISTED]},
                        REGISTER_EDITORS)


def _write(households, existing, old_members, old_incomes, report: Report) -> dict:
    """Write what changed; per village, [households created, households updated]."""
    hh, mt, it = Household.__table__, Member.__table__, IncomeRecord.__table__
    new_rows, changed, member_sets, income_sets = [], [], {}, {}
    per_village: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for head_id, h in households.items():
        fields = {f: h[f] for f in HOUSEHOLD_FIELDS}
        old = existing.get(head_id)
        if old is None:
            new_rows.append({"id_number": head_id, **fields})
            per_village[fields["village_id"]][0].append(_named(fields, head_id))
            continue
        hid = old["id"]
        touched = False
        if any(old[f] != fields[f] for f in HOUSEHOLD_FIELDS):
            changed.append({"_id": hid, **fields})
            touched = True
        if old_members.get(hid, []) != h["members"]:
            member_sets[hid] = h["members"]
            touched = True
        years = {y: v for y, v in h["incomes"].items() if old_incomes[hid].get(y) != v}
        if years:
            income_sets[hid] = years
            touched = True
        report.updated += touched
        report.unchanged += not touched
        if touched:
            per_village[old["village_id"]][1].append(_named(fields, head_id))
    if new_rows:
        ids = {}
        for part in _chunks(new_rows):
            for hid, number in db.session.execute(
                    insert(hh).returning(hh.c.id, hh.c.id_number, sort_by_parameter_order=True),
                    part):
                ids[number] = hid
        for row in new_rows:
            h = households[row["id_number"]]
            member_sets[ids[row["id_number"]]] = h["members"]
            if h["incomes"]:
                income_sets[ids[row["id_number"]]] = h["incomes"]
        report.created = len(new_rows)
    if changed:
        db.session.execute(update(hh).where(hh.c.id == bindparam("_id"))
                           .values({f: bindparam(f) for f in HOUSEHOLD_FIELDS}), changed)
    replaced = [hid for hid in member_sets if hid in old_members]
    for part in _chunks(replaced):
        db.session.execute(delete(mt).where(mt.c.household_id.in_(part)))
    member_rows = [{"household_id": hid, "name": m[0], "relation": m[1], "id_number": m[2],
                    "disabled": m[3]} for hid, ms in member_sets.items() for m in ms]
    bulk_insert(mt, member_rows)
    income_rows = []
    for hid, years in income_sets.items():
        for year in years:
            if year in old_incomes.get(hid, {}):
                db.session.execute(delete(it).where(it.c.household_id == hid, it.c.year == year))
        income_rows += [{"household_id": hid, "year": y,
                         **dict(zip(INCOME_KINDS, v[:5], strict=True)), "household_size": v[5]}
                        for y, v in years.items()]
    bulk_insert(it, income_rows)
    return dict(per_village)


def _named(fields: dict, head_id: str) -> str:
    return f"{fields['head_name']}（{mask_id_number(head_id)}）"


def bulk_insert(table, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL (several times
    faster than INSERT for hundreds of thousands of rows), executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for part in _chunks(rows, 10000):
            db.session.execute(insert(table), part)
        return
    columns = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


# --- export ----------------------------------------------------------------------------

def export_rows(user: User, path: str | None = None) -> tuple[list[tuple], list[tuple]]:
    """(member rows, income rows) of the register in the user's scope, headers first."""
    hh, mt, it, jt = (Household.__table__, Member.__table__, IncomeRecord.__table__,
                      Jurisdiction.__table__)
    where = [scope_filter(hh.c.jurisdiction_path, user)]
    if path:
        where.append(hh.c.jurisdiction_path.startswith(path, autoescape=True))
    heads = {r["id"]: r for r in db.session.execute(
        select(hh, jt.c.code).join(jt, jt.c.id == hh.c.village_id).where(*where)
        .order_by(hh.c.id)).mappings()}
    members = [list(MEMBER_COLUMNS)]
    incomes = [list(INCOME_COLUMNS)]
    yes = {True: "是", False: "否"}
    by_household = defaultdict(list)
    for part in _chunks(list(heads)):
        for m in db.session.execute(select(mt).where(mt.c.household_id.in_(part))
                                    .order_by(mt.c.id)).mappings():
            by_household[m["household_id"]].append(m)
        for r in db.session.execute(select(it).where(it.c.household_id.in_(part))
                                    .order_by(it.c.household_id, it.c.year)).mappings():
            incomes.append([heads[r["household_id"]]["id_number"], r["year"],
                            *(str(r[k]) for k in INCOME_KINDS), r["household_size"]])
    for hid, h in heads.items():
        for m in by_household[hid]:
            is_head = m["id_number"] == h["id_number"]
            members.append([h["id_number"], h["code"], m["name"], m["id_number"] or "",
                            m["relation"], yes[bool(m["disabled"])],
                            *([HOUSEHOLD_STATUSES[h["status"]], yes[bool(h["dibao"])],
                               yes[bool(h["tekun"])], h["bank_account"] or "",
                               h["registered_year"] or "", h["phone"] or "", h["address"] or ""]
                              if is_head else [""] * 7)])
    incomes[1:] = sorted(incomes[1:], key=lambda r: (r[0], r[1]))
    return members, incomes


def export_xlsx(user: User, path: str | None = None) -> bytes:
    members, incomes = export_rows(user, path)
    book = Workbook(write_only=True)
    for title, rows in (("家庭成员", members), ("收入", incomes)):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_csv(rows: list) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")
