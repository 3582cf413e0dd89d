"""Which rows of each table belong to a county's archive, and how a value is written.

Every table of ``db.metadata`` has a rule here (tests/archive checks it, so a new table
nobody scoped fails a test instead of being left out silently):

* ``path``: the table's own materialized path column lies under the county's path;
* ``parent``: the row's parent (a foreign key) is in the archive;
* ``place``: the row's place (a foreign key to jurisdictions) lies under the county;
* ``places``: the jurisdictions themselves, the subtree and its ancestors (the ancestors
  as bare places: their chains are theirs, not the county's);
* ``users``: the accounts the other rows name (actors, signers, uploaders, assignments in
  scope), as id, user name and display name only: no password hash, session or token;
* ``versions``: the procedure definitions the county's cases run on;
* ``skip``: never handed on, with the reason printed in the manifest.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter


@dataclass(frozen=True)
class Rule:
    kind: str  # path | parent | place | places | users | versions | skip
    column: str = ""
    parent: str = ""
    reason: str = ""


def _path(column: str = "jurisdiction_path") -> Rule:
    return Rule("path", column)


def _parent(column: str, table: str) -> Rule:
    return Rule("parent", column, table)


def _skip(reason: str) -> Rule:
    return Rule("skip", reason=reason)


RULES: dict[str, Rule] = {
    "jurisdictions": Rule("places"),
    "users": Rule("users"),
    "role_assignments": Rule("place", "jurisdiction_id"),
    "procedure_versions": Rule("versions"),
    "cases": _path(), "case_tallies": _path(), "households": _path(), "houses": _path(),
    "projects": _path(), "assets": _path(), "findings": _path(), "fund_sources": _path(),
    "register_events": _path(), "fund_events": _path(), "admin_events": _path(),
    "household_members": _parent("household_id", "households"),
    "income_records": _parent("household_id", "households"),
    "monitoring_records": _parent("household_id", "households"),
    "support_measures": _path(),
    "household_progress": _path(),  # 帮扶进展: each household's months
    "progress_tallies": _path(),
    "audit_events": _parent("case_id", "cases"),
    "attachments": _parent("case_id", "cases"),
    "notices": _parent("case_id", "cases"),
    "subsidy_payments": _parent("case_id", "cases"),
    "archive_files": _parent("case_id", "cases"),
    "objections": _parent("notice_id", "notices"),
    "case_comments": _parent("case_id", "cases"),  # 批注: part of the case's record
    "case_comment_chains": _parent("case_id", "cases"),
    "house_appraisals": _parent("house_id", "houses"),
    "fund_allocations": _parent("source_id", "fund_sources"),
    "fund_disbursements": _parent("allocation_id", "fund_allocations"),
    "project_payments": _parent("project_id", "projects"),
    "file_number_counters": Rule("place", "township_id"),
    "village_populations": Rule("place", "place_id"),
    "village_designations": Rule("place", "village_id"),  # 低收入村 and their plan years
    # A value set for a place in the county (installation-wide and higher places' values
    # are the receiver's own; each case's events record the values it was judged by).
    "setting_values": Rule("place", "place_id"),
    # Sector data (workflow/sectors): the county's imports, its chain and its lists.
    "sector_imports": _path(), "sector_chains": _path(), "sector_events": _path(),
    "sector_match_runs": _path(), "sector_discrepancies": _path(),
    "sector_records": _parent("import_id", "sector_imports"),
    "sector_match_hits": _skip("比对运行中的临时记录，运行结束即清空，不移交"),
    # 问题整改: the county's problems (a finder above the county is an ancestor place).
    "problems": _path(),
    "policy_cards": _path(),  # 明白卡 printed: what each showed (digest), who printed it
    "household_files": _path(),  # 一户一档 made: its code, who made it
    "household_file_parts": _parent("file_id", "household_files"),  # its manifest
    "delegations": _path(),  # 授权代办 of the county's places: its sign-offs name them
    # Its rows sum stays over the places above the county too: recomputed from the
    # imported trail by the importer instead.
    "step_time_tallies": _skip("办理用时统计由接收方按审批留痕重新计算，不移交"),
    "step_stays": _skip("各环节办理用时明细由接收方按审批留痕重新计算，不移交"),
    "api_tokens": _skip("登录令牌只在签发它的系统有效，不移交"),
    "login_failures": _skip("登录失败计数是本系统的安全状态，不移交"),
    "jobs": _skip("后台任务只在本系统运行，不移交"),
    "job_files": _skip("任务生成的文件可在接收方重新生成，不移交"),
    "user_sessions": _skip("登录会话只在本系统有效，不移交"),
    "cache_generations": _skip("缓存版本标记只在本系统有效，不移交"),
    "calendar_days": _skip("节假日与调休补充是全系统设置，由接收方自行维护，不移交"),
    "notifications": _skip("通知是本系统用户的提醒，不移交"),
    "notification_preferences": _skip("通知偏好是本系统用户的设置，不移交"),
    "notification_digests": _skip("摘要邮件的发送记录只在本系统有效，不移交"),
    "offline_draft_receipts": _skip("离线草稿的回执只用于防止重复提交，办理记录已在审批留痕中"),
}
# Columns naming an evidence file in the upload folder by its SHA-256 (--with-files).
EVIDENCE = {"attachments": "sha256", "village_populations": "evidence_sha256"}

# What an archived account keeps: who it was. The receiver activates and resets it.
USER_COLUMNS = ("id", "username", "display_name")
# A place above the county comes as a bare place: its own chains are not handed on.
ANCESTOR_RESET = {"register_seq": 0, "register_head": None, "admin_seq": 0,
                  "admin_head": None}


class ArchiveError(Exception):
    """An archive cannot be made or taken in; the message says why, in Chinese."""


def tables() -> list[sa.Table]:
    """Every table, parents before children (foreign-key order)."""
    return list(db.metadata.sorted_tables)


def rule(table: sa.Table) -> Rule:
    try:
        return RULES[table.name]
    except KeyError:
        raise ArchiveError(f"数据表 {table.name} 未规定归档范围（workflow/archive/tables.py）"
                           ) from None


def unscoped() -> list[str]:
    """Tables nobody said how to scope (must be none)."""
    return [t.name for t in tables() if t.name not in RULES]


def primary_key(table: sa.Table) -> sa.Column | None:
    """The single primary key column, if the table has one."""
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None


def scope(table: sa.Table, root: str, ancestors: list[str]) -> Any:
    """The WHERE clause selecting ``table``'s rows in the archive of the place at
    path ``root`` (whose ancestors' paths are ``ancestors``)."""
    r = rule(table)
    by_name = db.metadata.tables
    places = by_name["jurisdictions"]
    if r.kind == "path":
        return paths_filter(table.c[r.column], [root])
    if r.kind == "parent":
        parent = by_name[r.parent]
        return table.c[r.column].in_(
            sa.select(primary_key(parent)).where(scope(parent, root, ancestors)))
    if r.kind == "place":
        return table.c[r.column].in_(
            sa.select(places.c.id).where(paths_filter(places.c.path, [root])))
    if r.kind == "places":
        return sa.or_(paths_filter(table.c.path, [root]), table.c.path.in_(ancestors))
    if r.kind == "versions":
        cases = by_name["cases"]
        return table.c.version.in_(
            sa.select(cases.c.definition_version).where(scope(cases, root, ancestors)))
    if r.kind == "users":
        named = [sa.select(column).where(scope(other, root, ancestors))
                 for other, column in user_references()]
        return table.c.id.in_(sa.union(*named)) if named else sa.false()
    raise ArchiveError(f"数据表 {table.name} 不归档")


def user_references() -> list[tuple[sa.Table, sa.Column]]:
    """(table, column) of every archived column that names a user."""
    users = db.metadata.tables["users"]
    return [(table, column) for table in tables()
            if table.name in RULES and rule(table).kind not in ("skip", "users")
            for column in table.columns
            for fk in column.foreign_keys if fk.column is users.c.id]


def encode(value: Any) -> Any:
    """A column value as JSON (dates and times ISO 8601, money as a decimal string)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def decode(column: sa.Column, value: Any) -> Any:
    """The inverse of ``encode`` for ``column``'s type; ValueError on a bad value."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat(_text(value))
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat(_text(value))
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        try:
            return Decimal(_text(value))
        except ArithmeticError as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(_text(value), validate=True)
    if isinstance(kind, sa.Boolean) and not isinstance(value, bool):
        raise ValueError(f"not a boolean: {value!r}")
    if isinstance(kind, sa.Integer) and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(kind, sa.String) and not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value
