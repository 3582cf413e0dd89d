"""Changing the tree of places: import a division file, rename, 撤并, rural population.

Each change is made by an administrator over the place (a county's administrator within
its county; a ``flask places`` command as ``audit.admin.cli_actor()``, unscoped) and is
recorded on the administration trail in the same transaction.

Decisions: an import only adds places. A row whose code is stored under another name is
refused (更名 needs a 文号 and date a division file does not carry: use rename), as is a
row that would move a place to another parent. One import event is written on each
stored place under which places were created (a new city: on itself), with the file's
SHA-256 and counts. A merged place keeps its code, path and everything filed under it;
``scope.with_predecessors`` makes it visible under its successor.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import defaultdict
from pathlib import Path

from flask import current_app
from sqlalchemy import or_

from workflow import clock
from workflow.audit import admin
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.extensions import db
from workflow.jurisdictions.divisions import MAX_NAME, Report, check, read_rows
from workflow.jurisdictions.models import (
    LEVEL_TITLES,
    LEVELS,
    Jurisdiction,
    VillagePopulation,
    add_place,
    recorded_population,
)
from workflow.jurisdictions.scope import forget_mergers, place_by_code, scope_filter
from workflow.spreadsheets import read_text

admin.actions({"places_imported": "导入行政区划", "place_renamed": "地区更名",
               "place_merged": "地区撤并", "population_recorded": "登记农村人口"})
LISTED = 500  # places named in one import event
MAX_PEOPLE = 100_000
YEARS = (2014, 2035)


def _is_cli(actor: User) -> bool:
    return actor.username == admin.CLI_USERNAME


def admin_places(actor: User) -> list[Jurisdiction]:
    """The places ``actor`` administers (none for a user without the admin role)."""
    return [a.jurisdiction for a in actor.assignments if a.role == "admin"]


def _require_admin(actor: User, place: Jurisdiction, what: str) -> None:
    if _is_cli(actor):
        return
    if not any(p.contains(place) for p in admin_places(actor)):
        raise Forbidden(f"只有「{place.name}」所在地区的系统管理员才能{what}")


def find_place(code: str, actor: User, label: str = "区划代码") -> Jurisdiction:
    """The place ``code`` (in the actor's scope; any place for a CLI run)."""
    code = (code or "").strip()
    if _is_cli(actor):
        place = db.session.execute(
            db.select(Jurisdiction).filter_by(code=code)).scalar_one_or_none()
    else:
        place = place_by_code(code, actor) if code else None
    if place is None:
        raise NotFound(f"「{label}」{code[:20]} 不存在或不在您的管辖范围内")
    return place


def _text(value: str | None, field: str, label: str, *, required: bool = True,
          max_len: int = MAX_NAME) -> str:
    value, problem = read_text((value or "").strip())
    if problem:
        raise Invalid("填写有误", {field: [f"「{label}」{problem}"]})
    if required and not value:
        raise Invalid("填写有误", {field: [f"「{label}」为必填项"]})
    if len(value) > max_len:
        raise Invalid("填写有误", {field: [f"「{label}」不能超过 {max_len} 个字"]})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise Invalid("填写有误", {field: [f"「{label}」含有控制字符"]})
    return value


def parse_date(value: str | dt.date | None, field: str = "on",
               label: str = "生效日期") -> dt.date:
    """A required date (YYYY-MM-DD), not later than a year from today."""
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat((value or "").strip())
        except ValueError:
            raise Invalid("填写有误", {field: [f"「{label}」应为日期，如 2026-03-01"]}) from None
    if not dt.date(1949, 10, 1) <= day <= clock.today() + dt.timedelta(days=366):
        raise Invalid("填写有误", {field: [f"「{label}」超出可登记的范围"]})
    return day


# --- import ----------------------------------------------------------------------------

def _visible_places(actor: User) -> list[Jurisdiction]:
    """The places an import is checked against: every place for a CLI run; for an
    administrator those in scope and the places above them (a county's file names its
    city), so a file cannot learn the names of another county's places."""
    query = db.select(Jurisdiction)
    if not _is_cli(actor):
        above = {p.path[:i + 1] for a in actor.assignments for p in [a.jurisdiction]
                 for i, ch in enumerate(p.path) if ch == "/" and i}
        query = query.where(or_(scope_filter(Jurisdiction.path, actor),
                                Jurisdiction.path.in_(sorted(above))))
    return db.session.execute(query).scalars().all()


def import_places(filename: str, data: bytes, actor: User) -> Report:
    """Check the whole division file; add its new places only when every row is valid."""
    if not _is_cli(actor) and not admin_places(actor):
        raise Forbidden("只有系统管理员才能导入行政区划")
    report = Report(sha256=hashlib.sha256(data).hexdigest())
    stored_rows = _visible_places(actor)
    by_code = {p.code: p for p in stored_rows}
    stored = {p.code: (p.name, p.level, p.parent.code if p.parent else "") for p in stored_rows}
    rows = check(read_rows(filename, data), stored, report)
    new = [r for r in rows if r.code not in by_code]
    taken = set(db.session.execute(db.select(Jurisdiction.code).where(
        Jurisdiction.code.in_([r.code for r in new]))).scalars()) if new else set()
    for row in new:
        if row.code in taken:  # another county's place: not named to this administrator
            report.add(row.line, row.code, "「区划代码」已被您管理范围以外的地区使用")
    report.unchanged = len(rows) - len(new)
    scopes = None if _is_cli(actor) else [p.path for p in admin_places(actor)]
    paths = {c: p.path for c, p in by_code.items()}
    for row in sorted(new, key=lambda r: LEVELS.index(r.level)):
        if row.parent and row.parent not in paths:
            continue  # reported already: the parent is nowhere
        parent_path = paths[row.parent] if row.parent else "/"
        paths[row.code] = parent_path + row.code + "/"
        if scopes is not None and not any(paths[row.code].startswith(s) for s in scopes):
            report.add(row.line, row.code, "不在您管理的地区之内：只能导入本地区以下的地区")
        parent = by_code.get(row.parent)
        if parent is not None and (closed := parent.closed_by_merger()) is not None:
            report.add(row.line, row.code,
                       f"「上级代码」{parent.name}所在的「{closed.name}」{closed.merger_note}")
    if report.problems:
        report.problems.sort(key=lambda p: int(p.split(" ")[1]) if p.startswith("第 ") else 0)
        return report
    if not new:
        return report
    try:
        _write(new, by_code, filename, data, report, actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _write(new, by_code, filename, data, report, actor) -> None:
    created: dict[str, Jurisdiction] = {}
    under: dict[int, list] = defaultdict(list)  # stored place id -> rows created below it
    roots: list[Jurisdiction] = []
    for row in sorted(new, key=lambda r: LEVELS.index(r.level)):
        parent = created.get(row.parent) or by_code.get(row.parent)
        place = add_place(row.code, row.name, row.level, parent)
        created[row.code] = place
        anchor = parent
        while anchor is not None and anchor.code in created:
            anchor = anchor.parent
        if anchor is None:
            roots.append(place)
        under[anchor.id if anchor is not None else 0].append(row)
    db.session.flush()
    report.created = len(new)
    file_info = {"name": os.path.basename(filename or "")[:128], "sha256": report.sha256,
                 "bytes": len(data)}
    anchors = {p.id: p for p in by_code.values()}
    for anchor_id, rows in sorted(under.items()):
        if anchor_id == 0:
            continue
        _record_import(anchors[anchor_id], rows, file_info, report, actor)
    for root in roots:
        _record_import(root, under[0] if len(roots) == 1 else
                       [r for r in under[0] if created[r.code].path.startswith(root.path)],
                       file_info, report, actor)


def _record_import(place, rows, file_info, report, actor) -> None:
    counts = {LEVEL_TITLES[level]: sum(1 for r in rows if r.level == level) for level in LEVELS
              if any(r.level == level for r in rows)}
    text = "，".join(f"{t} {n} 个" for t, n in counts.items())
    admin.record(place, "places_imported", actor,
                 f"导入行政区划（{file_info['name']}）：在「{place.name}」下新增 {text}",
                 {"file": file_info, "created": len(rows), "by_level": counts,
                  "file_rows": report.rows, "file_unchanged": report.unchanged,
                  "places": [{"code": r.code, "name": r.name, "level": r.level,
                              "parent": r.parent} for r in rows[:LISTED]]},
                 target=f"place:{place.code}")


# --- rename and merger -----------------------------------------------------------------

def rename_place(code: str, name: str, document: str, on, actor: User) -> Jurisdiction:
    """Rename a place (committed); the trail keeps the old name, filed events theirs."""
    place = find_place(code, actor)
    _require_admin(actor, place, "更名")
    name = _text(name, "name", "新名称")
    document = _text(document, "document", "文号")
    day = parse_date(on)
    if place.merged_into_id:
        raise Invalid("不能更名", {"name": [f"「{place.name}」{place.merger_note}"]})
    if name == place.name:
        raise Invalid("填写有误", {"name": ["「新名称」与现名称相同"]})
    old = place.name
    place.name = name
    admin.record(place, "place_renamed", actor, f"「{old}」更名为「{name}」（{document}，{day}）",
                 {"name": {"before": old, "after": name}, "document": document,
                  "effective_on": day.isoformat()}, target=f"place:{place.code}")
    db.session.commit()
    return place


def merge_place(code: str, into: str, on, document: str, actor: User) -> Jurisdiction:
    """Record that ``code`` was merged into ``into`` (撤并, committed)."""
    place = find_place(code, actor)
    successor = find_place(into, actor, "并入地区代码")
    _require_admin(actor, place, "办理撤并")
    _require_admin(actor, successor, "办理撤并")
    document = _text(document, "document", "文号")
    day = parse_date(on)
    if place.id == successor.id:
        raise Invalid("填写有误", {"into": ["「并入地区」不能是被撤并的地区本身"]})
    if place.level != successor.level:
        raise Invalid("填写有误", {"into": [
            f"「并入地区」应为{LEVEL_TITLES[place.level]}级，而「{successor.name}」是"
            f"{LEVEL_TITLES[successor.level]}级"]})
    if place.merged_into_id:
        raise Invalid("不能撤并", {"code": [f"「{place.name}」{place.merger_note}"]})
    if (closed := successor.closed_by_merger()) is not None:
        raise Invalid("填写有误", {"into": [f"「{closed.name}」{closed.merger_note}"]})
    place.merged_into, place.merged_on, place.merge_document = successor, day, document
    admin.record(place, "place_merged", actor,
                 f"「{place.name}」撤并，并入「{successor.name}」（{day}，{document}）",
                 {"merged_into": {"before": None, "after": successor.code},
                  "successor_name": successor.name, "effective_on": day.isoformat(),
                  "document": document}, target=f"place:{place.code}")
    db.session.commit()
    forget_mergers()
    return place


# --- rural population ------------------------------------------------------------------

def _store_evidence(data: bytes, filename: str | None, mime: str | None) -> dict:
    """Content-check and store an uploaded evidence file by its digest."""
    from workflow.evidence.checks import check_upload
    from workflow.evidence.operations import storage_path

    checked = check_upload(data, filename, mime, current_app.config["UPLOAD_MAX_BYTES"])
    digest = hashlib.sha256(data).hexdigest()
    path: Path = storage_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.part")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return {"evidence_sha256": digest, "evidence_filename": checked.filename[:128],
            "evidence_mime": checked.content_type}


def _int(value, field: str, label: str, low: int, high: int) -> int:
    from workflow.engine.fields import parse_int

    number = parse_int(str(value if value is not None else "").strip(), low, high)
    if number is None:
        raise Invalid("填写有误", {field: [f"「{label}」应为 {low} 至 {high} 的整数"]})
    return number


def record_population(code: str, year, people, source: str, document: str | None,
                      actor: User, evidence: tuple[bytes, str | None, str | None] | None = None
                      ) -> VillagePopulation:
    """Record a village's rural population for a year (committed, on the trail)."""
    place = find_place(code, actor)
    _require_admin(actor, place, "登记农村人口")
    if place.level != "village":
        raise Invalid("填写有误", {"code": ["农村人口按村登记：请选择一个村"]})
    year = _int(year, "year", "年度", *YEARS)
    people = _int(people, "people", "农业户籍人口（人）", 1, MAX_PEOPLE)
    source = _text(source, "source", "数据来源")
    document = _text(document, "document", "文号", required=False)
    stored = _store_evidence(*evidence) if evidence and evidence[0] else {}
    if not document and not stored:
        raise Invalid("填写有误", {"document": ["「文号」与「证明材料」至少填写一项"]})
    before = recorded_population(place.id, year)
    row = VillagePopulation(place=place, year=year, people=people, source=source,
                            document=document or None, recorded_by_id=actor.id,
                            recorded_at=clock.utcnow(), **stored)
    db.session.add(row)
    data = {"year": year, "people": {"before": before.people, "after": people} if before
            else people, "source": source, "document": document}
    if stored:
        data["evidence"] = {"sha256": stored["evidence_sha256"],
                            "filename": stored["evidence_filename"]}
    admin.record(place, "population_recorded", actor,
                 f"登记「{place.name}」{year} 年农业户籍人口 {people} 人（{source}）", data,
                 target=f"place:{place.code}")
    db.session.commit()
    return row


def populations(place: Jurisdiction) -> list[VillagePopulation]:
    """Every population recorded for the village, newest year first."""
    return db.session.execute(
        db.select(VillagePopulation).where(VillagePopulation.place_id == place.id)
        .order_by(VillagePopulation.year.desc(), VillagePopulation.id.desc())).scalars().all()
