"""Finding rules: named functions in a registry, like guards. Each gets what it needs
about one case (its definition, trail, notices, evidence, subject) and returns the
reasons the case should be reviewed (none: the case is clean)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.engine.definitions import Definition
from workflow.jurisdictions.models import LEVEL_TITLES, LEVELS
from workflow.settings import lookup

RULES: dict[str, tuple[str, Callable[[Any], list[str]]]] = {}


def finding_rule(name: str, title: str):
    """Register ``fn(facts) -> list[str]`` under ``name`` with a title auditors read."""
    def wrap(fn):
        RULES[name] = (title, fn)
        return fn
    return wrap


@dataclass
class Facts:
    case: Case
    definition: Definition
    events: list[AuditEvent]
    notices: list[Any]
    attachments: list[Any]
    subject: Any
    place_paths: dict[str, str]   # jurisdiction code -> path, for the signers' places
    settings: Any
    today: dt.date
    # Edits of the case's household (or house) on the register chain, oldest first.
    register_edits: list[Any] = field(default_factory=list)


def _signers(events: list[AuditEvent]) -> list[AuditEvent]:
    return [e for e in events if e.action not in ("create", "attach", "finding")]


@finding_rule("same_person_adjacent_levels", "同一人在相邻两级签署")
def same_person_adjacent_levels(f: Facts) -> list[str]:
    by_level: dict[str, set[int]] = {}
    names: dict[int, str] = {}
    for e in _signers(f.events):
        by_level.setdefault(e.level, set()).add(e.actor_id)
        names[e.actor_id] = e.actor_name
        if e.on_behalf_of_id is not None:  # 代签 counts for the principal too
            by_level[e.level].add(e.on_behalf_of_id)
            names[e.on_behalf_of_id] = e.on_behalf_of_name
    out = []
    for upper, lower in zip(LEVELS, LEVELS[1:], strict=False):
        for actor in sorted(by_level.get(upper, set()) & by_level.get(lower, set())):
            out.append(f"{names[actor]} 既在{LEVEL_TITLES[lower]}级又在{LEVEL_TITLES[upper]}级签署")
    return out


@finding_rule("notice_irregular", "公示不足期限或异议未答复")
def notice_irregular(f: Facts) -> list[str]:
    out = []
    for n in f.notices:
        if n.closed_at is not None:
            closed = clock.to_local(n.closed_at).date()
            days = (closed - n.starts_on).days + 1
            spec = f.definition.states.get(n.state, {}).get("notice") or {}
            minimum = max(int(spec.get("min_days", 0)), n.min_days)
            if days < minimum and n.outcome not in _returns(f.definition):
                out.append(f"{n.title}仅 {days} 天即结束，少于规定的 {minimum} 天")
            if any(o.outcome == "open" for o in n.objections):
                out.append(f"{n.title}结束时仍有未答复的异议")
    return out


def _returns(definition: Definition) -> set[str]:
    return {a.name for a in definition.actions.values() if a.kind == "reject"}


@finding_rule("missing_evidence", "审批时缺少规定的证明材料")
def missing_evidence(f: Facts) -> list[str]:
    out = []
    for e in _signers(f.events):
        action = f.definition.actions.get(e.action)
        if action is None or not action.evidence:
            continue
        held = {a.kind for a in f.attachments if a.uploaded_at <= e.at}
        for kind in action.evidence:
            if kind not in held:
                title = f.definition.evidence_kinds.get(kind, kind)
                out.append(f"“{action.title}”办理时没有“{title}”")
    return out


@finding_rule("outside_jurisdiction", "签署人不在其管辖范围内签署")
def outside_jurisdiction(f: Facts) -> list[str]:
    out = []
    village_path = f.case.jurisdiction_path
    for e in _signers(f.events):
        path = f.place_paths.get(e.jurisdiction_code)
        if path is None or not village_path.startswith(path):
            out.append(f"{e.actor_name} 以“{e.jurisdiction_name}”身份签署了不属其管辖的案件")
    return out


# Register edits that change what a case judged (contact details do not).
JUDGED = {"household_edited": {"bank_account", "status", "dibao", "tekun"},
          "house_edited": {"structure", "area", "year_built"},
          "member_added": None, "member_removed": None, "member_edited": None}


@finding_rule("changed_after_approval", "审批后数据被改动")
def changed_after_approval(f: Facts) -> list[str]:
    """The register's income for the surveyed year differs from what was approved, or
    the register was edited (members, account, status, flags, the house) after the
    county approved: who, when and what, from the register chain."""
    approved = next((e.at for e in _signers(f.events)
                     if e.level == "county" and e.decision == "agree"), None)
    out = []
    for e in f.register_edits if approved is not None else []:
        fields = JUDGED.get(e.action, set())
        changed = set((e.data or {}).get("changes") or {})
        if e.at > approved and (fields is None or fields & changed):
            when = clock.to_local(e.at).strftime("%Y-%m-%d %H:%M")
            out.append(f"县级审批后，{e.actor_name} 于 {when} {e.action_title}：{e.summary}")
    return out + _income_changed(f)


def _income_changed(f: Facts) -> list[str]:
    survey = f.case.data.get("submit_survey") or {}
    if not survey or f.case.procedure != "household_exit" or f.subject is None:
        return []
    if not any(e.level == "county" and e.decision == "agree" for e in _signers(f.events)):
        return []
    record = f.subject.income_for(int(survey["year"]))
    approved = sum(Decimal(str(survey.get(k) or 0)) for k in
                   ("wages", "farm_net", "business_net", "property_income", "transfers"))
    if record is None or record.total != approved:
        now = "无记录" if record is None else f"{record.total:,.2f} 元"
        return [f"{survey['year']} 年家庭收入审批时为 {approved:,.2f} 元，登记系统现为 {now}"]
    return []


@finding_rule("struck_off_below_line", "销号户收入低于贫困线")
def struck_off_below_line(f: Facts) -> list[str]:
    h = f.subject
    if f.case.procedure != "household_exit" or h is None or h.status != "exited":
        return []
    records = sorted(h.incomes, key=lambda r: r.year)
    if not records:
        return ["已销号，但登记系统中没有收入记录"]
    latest = records[-1]
    found = lookup("poverty_line", place=f.case.jurisdiction_path, year=latest.year)
    line = found.value if found is not None else None
    if line is not None and latest.per_capita <= Decimal(str(line)):
        return [f"已销号，但 {latest.year} 年人均纯收入 {latest.per_capita:,.2f} 元"
                f"未超过贫困线 {line:,} 元"]
    return []


@finding_rule("stalled", "案件长期停滞")
def stalled(f: Facts) -> list[str]:
    if f.definition.is_final(f.case.state):
        return []
    found = lookup("finding_stall_days", place=f.case.jurisdiction_path, on=f.today)
    limit = int(found.value) if found is not None else 60
    days = (f.today - clock.to_local(f.case.state_entered_at).date()).days
    if days > limit:
        return [f"停留在“{f.definition.state_title(f.case.state)}”已 {days} 天（超过 {limit} 天）"]
    return []
