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

import hashlib
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select, update

from workflow.audit import register
from workflow.auth.models import User
from workflow.engine.errors import Forbidden
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import scope_filter
from workflow.registry import disclosure
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
from workflow.spreadsheets import append_row, csv_bytes

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
                                      .where(mt.c.household_id.in_(part),
                                             mt.c.removed_on.is_(None)).order_by(mt.c.id)):
            members[row[0]].append((row[1], row[2], row[3], bool(row[4])))
        for row in db.session.execute(select(it).where(it.c.household_id.in_(part))).mappings():
            incomes[row["household_id"]][row["year"]] = (
                *(Decimal(row[k]).quantize(Decimal("0.01")) for k in INCOME_KINDS),
                row["household_size"])
    return households, members, incomes


def import_roster(files: list[tuple[str, bytes]], actor: User, commit: bool = True) -> Report:
    """Check the whole file; write only when every row is valid, and only what changed.
    ``commit=False`` (a background job): the caller commits, with the job's status."""
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
        if not commit:
            return report
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
                           .values({**{f: bindparam(f) for f in HOUSEHOLD_FIELDS},
                                    "version": hh.c.version + 1}), changed)
    replaced = [hid for hid in member_sets if hid in old_members]
    for part in _chunks(replaced):
        # Members who left (removed_on) stay as the household's history.
        db.session.execute(delete(mt).where(mt.c.household_id.in_(part),
                                            mt.c.removed_on.is_(None)))
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

@dataclass
class Exported:
    """The two tables (headers first) and, per village id, how many rows each table has
    and how many values it shows in full (``disclosure``)."""

    members: list[list] = field(default_factory=lambda: [list(MEMBER_COLUMNS)])
    incomes: list[list] = field(default_factory=lambda: [list(INCOME_COLUMNS)])
    counts: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))


def _own_case_households(user: User, where: list) -> set[int]:
    """Households in the export that the user's own cases are about (see disclosure)."""
    if "house" not in disclosure.own_case_subjects(user):
        return set()
    from workflow.cases.models import Case
    from workflow.housing.models import House

    hh = Household.__table__
    return set(db.session.execute(
        select(House.household_id).join(Case, (Case.subject_type == "house")
                                        & (Case.subject_id == House.id))
        .join(hh, hh.c.id == House.household_id).where(*where).distinct()).scalars())


def export_rows(user: User, path: str | None = None) -> Exported:
    """The register in the user's scope as the import's two tables; ID numbers and
    accounts in full only where ``disclosure`` grants them to the user, else masked."""
    hh, mt, it, jt = (Household.__table__, Member.__table__, IncomeRecord.__table__,
                      Jurisdiction.__table__)
    where = [scope_filter(hh.c.jurisdiction_path, user)]
    if path:
        where.append(hh.c.jurisdiction_path.startswith(path, autoescape=True))
    heads = {r["id"]: r for r in db.session.execute(
        select(hh, jt.c.code).join(jt, jt.c.id == hh.c.village_id).where(*where)
        .order_by(hh.c.id)).mappings()}
    out = Exported()
    shown = _shown(user, heads, where)

    def show(hid: int, name: str, value) -> str:
        return (value or "") if shown[hid][name] else disclosure.masked(name, value)

    yes = {True: "是", False: "否"}
    by_household, incomes = defaultdict(list), []
    for part in _chunks(list(heads)):
        for m in db.session.execute(select(mt).where(mt.c.household_id.in_(part),
                                                     mt.c.removed_on.is_(None))
                                    .order_by(mt.c.id)).mappings():
            by_household[m["household_id"]].append(m)
        for r in db.session.execute(select(it).where(it.c.household_id.in_(part))).mappings():
            incomes.append((heads[r["household_id"]]["id_number"], r["year"], r))
    for hid, h in heads.items():
        counts = out.counts[h["village_id"]]
        counts["households"] += 1
        for m in by_household[hid]:
            is_head = m["id_number"] == h["id_number"]
            out.members.append([show(hid, "id_number", h["id_number"]), h["code"], m["name"],
                                show(hid, "id_number", m["id_number"]),
                                m["relation"], yes[bool(m["disabled"])],
                                *([HOUSEHOLD_STATUSES[h["status"]], yes[bool(h["dibao"])],
                                   yes[bool(h["tekun"])],
                                   show(hid, "bank_account", h["bank_account"]),
                                   h["registered_year"] or "",
                                   show(hid, "phone", h["phone"]),
                                   h["address"] or ""] if is_head else [""] * 7)])
            counts["member_rows"] += 1
            counts["member_id_number"] += bool(m["id_number"] and shown[hid]["id_number"])
            counts["member_bank_account"] += bool(
                is_head and h["bank_account"] and shown[hid]["bank_account"])
            counts["member_phone"] += bool(is_head and h["phone"] and shown[hid]["phone"])
    for head_id, year, r in sorted(incomes, key=lambda x: x[:2]):
        hid = r["household_id"]
        # Amounts as numbers, so that a negative net income is a number, not a text.
        out.incomes.append([show(hid, "id_number", head_id), year,
                            *(Decimal(r[k]).quantize(Decimal("0.01")) for k in INCOME_KINDS),
                            r["household_size"]])
        counts = out.counts[heads[hid]["village_id"]]
        counts["income_rows"] += 1
        counts["income_id_number"] += shown[hid]["id_number"]
    return out


def _shown(user: User, heads: dict[int, dict], where: list) -> dict[int, dict[str, bool]]:
    """Per household, per personal field: whether the export shows it in full."""
    by_path: dict[str, dict[str, str]] = {}
    own: set[int] | None = None
    shown = {}
    for hid, h in heads.items():
        path = h["jurisdiction_path"]
        if path not in by_path:
            by_path[path] = disclosure.grants(user, path)
        grant = by_path[path]
        if own is None and disclosure.OWN_CASES in grant.values():
            own = _own_case_households(user, where)
        shown[hid] = {name: g == disclosure.ALL or (g == disclosure.OWN_CASES and hid in own)
                      for name, g in grant.items()}
    return shown


EXPORT_FILES = {"xlsx": ("建档立卡户.xlsx", ("member", "income")),
                "members.csv": ("家庭成员.csv", ("member",)),
                "incomes.csv": ("收入.csv", ("income",))}


def export_file(user: User, fmt: str, place: Jurisdiction | None = None) -> tuple[bytes, str]:
    """One export (``EXPORT_FILES``) of the register in the user's scope (within
    ``place``): the file and its name. When it shows personal data in full, each village
    in it gets an event on its register chain, committed before the file is handed out."""
    name, tables = EXPORT_FILES[fmt]
    exported = export_rows(user, place.path if place else None)
    if fmt == "xlsx":
        data = _xlsx(exported)
    else:
        data = csv_bytes(exported.members if tables == ("member",) else exported.incomes)
    record_export(exported, tables, name, place, user)
    return data, name


def _xlsx(exported: Exported) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in (("家庭成员", exported.members), ("收入", exported.incomes)):
        sheet = book.create_sheet(title)
        for row in rows:
            append_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def record_export(exported: Exported, tables: tuple[str, ...], name: str,
                  place: Jurisdiction | None, actor: User) -> None:
    """One ``personal_data_exported`` event per village whose rows in the file show an ID
    number, an account or a phone in full: who (the event's actor), scope, rows, fields."""
    if place is not None:
        scope = {"code": place.code, "name": place.full_name}
    else:
        places = sorted((a.jurisdiction for a in actor.assignments), key=lambda p: p.path)
        scope = {"code": "、".join(p.code for p in places),
                 "name": "、".join(p.full_name for p in places)}
    recorded = False
    for village_id in sorted(exported.counts):
        counts = exported.counts[village_id]
        full = {f: sum(counts[f"{t}_{f}"] for t in tables) for f in disclosure.FIELD_TITLES}
        if not any(full.values()):
            continue
        rows = sum(counts[f"{t}_rows"] for t in tables)
        fields = [f for f, n in full.items() if n]
        titles = "、".join(f"{disclosure.FIELD_TITLES[f]} {full[f]} 个" for f in fields)
        register.record(
            village_id, "personal_data_exported", actor,
            f"导出个人信息（{name}，导出范围：{scope['name']}）：本村 {counts['households']} 户、"
            f"{rows} 行，完整显示{titles}",
            {"file": name, "scope": scope, "households": counts["households"], "rows": rows,
             "fields": fields, "unmasked": {f: full[f] for f in fields}},
            disclosure.EXPORTED_ROLES)
        recorded = True
    if recorded:
        db.session.commit()
