"""Figures the system computes for a case rather than anyone typing them in: a village's
贫困发生率 (villages.rules) and a household's 人均纯收入 (registry.household_rules).

The case page and the approval sheet print them from here, and the guards use the same
functions, so what an official reads is what the step was checked against: the poverty
line printed is the one the step's event recorded (cases/applied.py), not today's setting.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow.audit.models import AuditEvent
from workflow.cases.applied import describe, recorded
from workflow.cases.models import Case
from workflow.engine.definitions import Definition
from workflow.registry.household_rules import per_capita_income, survey_year
from workflow.registry.models import INCOME_KINDS
from workflow.villages import rules as village_rules


@dataclass(frozen=True)
class Figure:
    """One computed figure: its label, the value with what it is computed from, a note."""

    label: str
    text: str
    note: str = ""
    in_block: bool = False  # already printed by the sheet's assessment block


def village_figures(case: Case) -> list[Figure]:
    """贫困发生率 from the register and the self-assessment's rural population."""
    found = village_rules.assessed_incidence(case.subject_id,
                                             case.data.get(village_rules.ASSESSMENT))
    if found is None:
        return [Figure("贫困发生率", "待村级自评填报农业户籍人口后由系统计算")]
    return [Figure("贫困发生率", found.describe(), "按建档立卡数据实时计算")]


def line_record(case: Case, events: list[AuditEvent], year: int | None) -> dict | None:
    """The poverty line of ``year`` as the case's trail recorded it when a step applied
    it; for a case filed before lines were recorded, the line its place has now."""
    if year is None:
        return None
    found = recorded(events, "poverty_line", year)
    if found is None:
        from workflow.settings import lookup

        now = lookup("poverty_line", place=case.jurisdiction_path, year=year)
        found = None if now is None else {**now.as_record(), "current": True}
    return found


def line_text(record: dict) -> str:
    """「2026 年贫困线 7,600 元（岫岩满族自治县设置，岫政办发〔2026〕3号）」; a line no step
    recorded says it is today's setting."""
    return describe(record) + ("（按现行设置）" if record.get("current") else "")


def income_figures(case: Case, definition: Definition,
                   events: list[AuditEvent]) -> list[Figure]:
    """人均纯收入 of every step whose form collects the income kinds, against the line
    the case's trail recorded."""
    figures, seen = [], set()
    for action in definition.actions.values():
        values = case.data.get(action.name)
        form = action.form
        if not values or form is None or form.title in seen:
            continue
        if not {f.name for f in form.fields} & set(INCOME_KINDS):
            continue
        seen.add(form.title)
        year = survey_year(values)
        record = line_record(case, events, year)
        figure = per_capita_income(values, record["value"] if record else None, year)
        note = ""
        if record is not None:
            verdict = "高于" if figure.above_line else "未高于"
            note = f"{verdict} {line_text(record)}"
        figures.append(Figure("人均纯收入", figure.describe(), note, in_block=True))
    return figures


def case_figures(case: Case, definition: Definition,
                 events: list[AuditEvent]) -> list[Figure]:
    """Every computed figure of ``case`` (``events``: its trail)."""
    figures = village_figures(case) if case.subject_type == "village" else []
    return figures + income_figures(case, definition, events)
