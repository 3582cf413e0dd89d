"""Who may edit which field of the register, and how every edit is checked and recorded.

The tables below are the rules (data, read by the operations and by the pages that show
a 修改 link only to those who may use it):

- contact details (住址, 联系电话) and the members: the village clerk (村两委), the
  helper (帮扶责任人, who visits the household) and the administrator;
- the 一卡通 account subsidies are paid into: the village clerk only (it holds the
  household's bank card details; DOMAIN.md §3);
- 低保/特困 flags: the village clerk, who records 民政's decisions, and the county
  poverty office; each change states its reason;
- the household's status (户状态): the county poverty office and the administrator,
  with a reason and the document (文号) that decided it. A direct status edit is a
  **correction of a registration error** only: it never strikes a household off
  (已脱贫 is reached only through the 贫困户退出 procedure, household_exit) and it
  cannot change a status a procedure decided (a household with any household_exit,
  monitoring_entry or risk_removal case keeps its status in those procedures' hands).

Facts a case judges (``facts=True``: members, status, flags, the account; a house's
structure, area and year) cannot be edited while a case on them is open: the edit is
refused (409) naming the case, since the officials signing it would otherwise approve
something else than what the village proposed. After the county approved, an edit is
allowed (life goes on) but the oversight rule 审批后数据被改动 reports it.

Every edit is one event on the village's register chain with the field-level
``{"before": x, "after": y}``; personal fields (ID, phone, account) are masked as pages
show them, with the SHA-256 of each full value beside, so a change stays provable.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.audit import register
from workflow.auth.models import ROLES, User
from workflow.cases.models import Case
from workflow.engine import store
from workflow.engine.errors import Conflict, Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.registry import disclosure
from workflow.registry.models import HOUSEHOLD_STATUSES
from workflow.support.catalog import catalog


@dataclass(frozen=True)
class Field:
    """One editable field: its label, the roles that may change it, and what it needs."""

    label: str
    roles: frozenset[str]
    personal: str | None = None   # disclosure field name: masked in events and pages
    facts: bool = False           # judged by a case: not while one is open
    reason: bool = False          # the change states a reason (变更原因)
    document: bool = False        # ... and the document that decided it (文号)


CONTACT = frozenset({"village_clerk", "helper", "admin"})
FLAGS = frozenset({"village_clerk", "county_poverty_office", "admin"})
STATUS = frozenset({"county_poverty_office", "admin"})
HOUSING = frozenset({"village_clerk", "township_reviewer", "admin"})
PROJECT = frozenset({"village_clerk", "township_reviewer", "county_poverty_office", "admin"})
# Causes of poverty, labour capacity and schooling (workflow/support): those who visit.
SUPPORT = frozenset({"village_clerk", "work_team", "helper", "admin"})

HOUSEHOLD_FIELDS: dict[str, Field] = {
    "address": Field("住址", CONTACT),
    "phone": Field("联系电话", CONTACT, personal="phone"),
    "bank_account": Field("一卡通账号", frozenset({"village_clerk"}), personal="bank_account",
                          facts=True),
    "dibao": Field("低保户", FLAGS, facts=True, reason=True),
    "tekun": Field("特困供养", FLAGS, facts=True, reason=True),
    "status": Field("户状态", STATUS, facts=True, reason=True, document=True),
    "main_cause": Field("主要致贫原因", SUPPORT),
    "other_causes": Field("其他致贫原因", SUPPORT),
}
# Adding, removing or changing a member changes the household's size (a fact).
MEMBER_FIELDS: dict[str, Field] = {
    "name": Field("成员姓名", CONTACT, facts=True),
    "relation": Field("与户主关系", CONTACT, facts=True),
    "id_number": Field("成员身份证号", frozenset({"village_clerk", "admin"}),
                       personal="id_number", facts=True),
    "disabled": Field("是否残疾", CONTACT, facts=True),
    "labour_capacity": Field("劳动能力", SUPPORT),
    "schooling": Field("在校生情况", SUPPORT),
}
MEMBER_EDITORS = CONTACT
HOUSE_FIELDS: dict[str, Field] = {
    "address": Field("房屋地址", HOUSING),
    "structure": Field("结构类型", HOUSING, facts=True),
    "area": Field("建筑面积", HOUSING, facts=True),
    "year_built": Field("建造年份", HOUSING, facts=True),
}
PROJECT_FIELDS: dict[str, Field] = {name: Field(label, PROJECT) for name, label in (
    ("name", "项目名称"), ("category", "项目类别"), ("nature", "建设性质"), ("year", "年度"),
    ("location", "建设地点"), ("starts_on", "开工时间"), ("ends_on", "完工时间"),
    ("responsible_unit", "责任单位"), ("budget", "概算投资"), ("planned_sources", "资金来源"),
    ("beneficiary_households", "受益户数"), ("beneficiary_poor_households", "受益贫困户数"),
    ("beneficiary_poor_people", "受益贫困人口"), ("benefit_mechanism", "带贫减贫机制"),
    ("performance_targets", "绩效目标"))}
# Procedures whose outcome is the household's status: a status they decided stays theirs.
STATUS_PROCEDURES = ("household_exit", "monitoring_entry", "risk_removal")



def roles_here(actor: User, village: Jurisdiction) -> set[str]:
    """The roles ``actor`` holds over ``village``."""
    return {a.role for a in actor.roles_over(village)}


def who(roles: frozenset[str]) -> str:
    """The roles as officials read them: 村两委、帮扶责任人."""
    return "、".join(ROLES.get(r, r) for r in sorted(roles))


def may_edit(actor: User, village: Jurisdiction, fields: dict[str, Field]) -> set[str]:
    """The names of ``fields`` ``actor`` may edit in ``village`` (the pages' 修改 links)."""
    held = roles_here(actor, village)
    return {name for name, f in fields.items() if held & f.roles}


def check_roles(actor: User, village: Jurisdiction, fields: dict[str, Field],
                names: list[str]) -> None:
    """Forbidden naming the first field of ``names`` ``actor`` may not edit, and who may."""
    held = roles_here(actor, village)
    for name in names:
        field = fields[name]
        if not held & field.roles:
            raise Forbidden(f"您的角色不能修改「{field.label}」（可修改：{who(field.roles)}）")


def lock(model: type, row_id: int, village_id: int) -> Any:
    """The row, re-read and locked for this transaction (the village first, in the order
    the register trail takes its locks, so two writers queue instead of deadlocking)."""
    db.session.execute(select(Jurisdiction.id).where(Jurisdiction.id == village_id)
                       .with_for_update(key_share=True))
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
    return db.session.execute(select(model).where(model.id == row_id)
                              .execution_options(populate_existing=True)).scalar_one()


def check_version(row: Any, version: int, what: str) -> None:
    """Conflict (409) when ``row`` changed since the version the edit was based on."""
    if row.version != version:
        raise Conflict(f"{what}已被他人修改（您修改的是第 {version} 版，现为第 {row.version} 版），"
                       "请刷新页面，在最新信息上重新修改")


def open_cases(subjects: list[tuple[str, int]]) -> list[Case]:
    """The cases still running on any of ``subjects`` ((subject type, id) pairs)."""
    out = []
    for subject_type, subject_id in subjects:
        for case in db.session.execute(select(Case).where(
                Case.subject_type == subject_type, Case.subject_id == subject_id)
                .order_by(Case.id)).scalars():
            if not store.by_version(case.definition_version).is_final(case.state):
                out.append(case)
    return out


def refuse_open_cases(cases: list[Case], labels: list[str]) -> None:
    """Conflict naming the running case when an edit touches facts it judges."""
    if cases and labels:
        case = cases[0]
        raise Conflict(f"该记录有进行中的案件「{case.title}」（案件编号 {case.id}），"
                       f"办结或退回前不能修改「{'」「'.join(labels)}」")


def fingerprint(value: Any) -> str:
    """SHA-256 of a personal value in full ("" when empty): proves which value it was."""
    return hashlib.sha256(str(value).encode()).hexdigest() if value else ""


def plain(value: Any) -> Any:
    """A value as JSON holds it in an event (dates ISO, money as text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def change(field: Field, before: Any, after: Any) -> dict[str, Any]:
    """``{"before": x, "after": y}`` for one field; a personal one masked, fingerprinted."""
    if field.personal:
        return {"before": disclosure.masked(field.personal, before),
                "after": disclosure.masked(field.personal, after),
                "before_sha256": fingerprint(before), "after_sha256": fingerprint(after)}
    return {"before": plain(before), "after": plain(after)}


def diff(row: Any, fields: dict[str, Field], values: dict[str, Any]) -> dict[str, dict]:
    """The field-level changes ``values`` make to ``row`` (unchanged fields left out)."""
    out = {}
    for name, after in values.items():
        before = getattr(row, name)
        if plain(before) != plain(after):
            out[name] = change(fields[name], before, after)
    return out


def choice_title(name: str, value: Any) -> str | None:
    """A coded value as officials read it (因病, 弱劳动力; a list joined with 、), or None
    when the field is not a choice (or the value is empty)."""
    found = catalog()
    options = {"main_cause": found.causes, "other_causes": found.causes,
               "labour_capacity": found.labour, "schooling": found.schooling,
               "status": HOUSEHOLD_STATUSES}.get(name)
    if options is None or value in (None, "", []):
        return None
    if isinstance(value, list):
        return "、".join(options.get(v, str(v)) for v in value)
    return options.get(value, str(value))


def described(fields: dict[str, Field], changes: dict[str, dict]) -> str:
    """「住址」由“…”改为“…” for the summary auditors read (coded values by their titles)."""
    def text(name: str, v: Any) -> str:
        title = choice_title(name, v)
        if title is not None:
            return title
        return {True: "是", False: "否", None: "空"}.get(v, str(v)) if not isinstance(
            v, list) else f"{len(v)} 项"
    return "；".join(f"「{fields[k].label}」由“{text(k, c['before'])}”改为“{text(k, c['after'])}”"
                    for k, c in changes.items())


def require_reason(fields: dict[str, Field], names: list[str], values: dict[str, Any]) -> None:
    """Invalid when a changed field needs a reason or 文号 the edit did not give."""
    errors: dict[str, list[str]] = {}
    for name in names:
        f = fields[name]
        if f.reason and not values.get("reason"):
            errors["reason"] = [f"修改「{f.label}」须填写「变更原因」"]
        if f.document and not values.get("document_no"):
            errors["document_no"] = [f"修改「{f.label}」须填写「依据文号」"]
    if errors:
        raise Invalid("修改信息有误，请按提示补充", errors)


def commit_edit(village_id: int, action: str, actor: User, summary: str,
                data: dict[str, Any], roles: frozenset[str]) -> None:
    """The edit's register event, then commit: the change and its event land together."""
    try:
        db.session.flush()
        register.record(village_id, action, actor, summary, data, set(roles))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def history(village_id: int, key: str, row_id: int, registered: str) -> list[Any]:
    """The register events about one record (``data[key] == row_id``, or its
    ``registered`` event), newest first: its registration and every edit."""
    from workflow.audit.models import RegisterEvent

    events = db.session.execute(select(RegisterEvent).where(
        RegisterEvent.village_id == village_id).order_by(RegisterEvent.id.desc())).scalars()
    return [e for e in events if (e.data or {}).get(key) == row_id
            or (e.action == registered and (e.data or {}).get("id") == row_id)]


def split_basis(payload: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(version/reason/document_no, the fields) of an edit's payload, for edits that
    validate the merged record with the registration schema (houses, projects)."""
    payload = payload if isinstance(payload, dict) else {}
    keys = ("version", "reason", "document_no")
    return ({k: v for k, v in payload.items() if k in keys},
            {k: v for k, v in payload.items() if k not in keys})
