"""The monitoring threshold (about 1.5 × the poverty line, a setting), the register rule
that flags households under it, and the guards and effects of monitoring_entry and
risk_removal (DOMAIN.md §5)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import and_, exists, select

from workflow import clock
from workflow.cases.models import Case
from workflow.engine.registry import effect, guard
from workflow.extensions import db
from workflow.monitoring.models import MonitoringRecord
from workflow.registry.household_rules import CHECKLIST
from workflow.registry.models import INCOME_KINDS, Household, IncomeRecord

ALERT = "record_alert"
REMOVAL_SURVEY = "record_removal_survey"
STABLE_MONTHS = 6


def threshold(read, year: int) -> Decimal | None:
    """Yuan per person per year under which a household is at risk: the year's own
    ``monitoring_threshold``, else ``monitoring_factor`` × the poverty line (None: no
    line). ``read`` is ``ctx.setting`` in a step (recorded in its event) or
    ``cases.applied.reader(place)``."""
    fixed = read("monitoring_threshold", year=year)
    if fixed is not None:
        return Decimal(str(fixed.value))
    line = read("poverty_line", year=year)
    if line is None:
        return None
    factor = read("monitoring_factor", year=year)
    return Decimal(str(line.value)) * Decimal(str(factor.value if factor else "1.5"))


def basis_text(read, year: int) -> str:
    """How the year's threshold is set, for the monitoring page."""
    fixed = read("monitoring_threshold", year=year)
    if fixed is not None:
        return fixed.source
    factor = read("monitoring_factor", year=year)
    line = read("poverty_line", year=year)
    return (f"贫困线 {line.value} 元的 {factor.value if factor else '1.5'} 倍；"
            f"贫困线：{line.source}" if line else "")


def flagged_query(read, year: int, scope_clause):
    """Households whose income for ``year`` is under the threshold, not monitored, and
    with no monitoring_entry case running: the ones no one has opened a case for yet."""
    limit = threshold(read, year)
    income = IncomeRecord.__table__.c
    total = income.wages + income.farm_net + income.business_net + income.property_income \
        + income.transfers
    running = exists().where(Case.procedure == "monitoring_entry",
                             Case.subject_type == "household",
                             Case.subject_id == Household.id,
                             Case.state.not_in(["monitored", "not_included"]))
    return (select(Household, total, income.household_size)
            .join(IncomeRecord, and_(IncomeRecord.household_id == Household.id,
                                     IncomeRecord.year == year))
            .where(scope_clause, Household.status != "monitored",
                   total < limit * income.household_size, ~running)
            .order_by(Household.id))


def _per_capita(values: dict) -> tuple[Decimal, int]:
    total = sum(Decimal(str(values.get(k) or 0)) for k in INCOME_KINDS)
    size = max(int(values.get("household_size") or 1), 1)
    return (total / size).quantize(Decimal("0.01")), size


@guard("not_monitored", subject_only=True)
def not_monitored(ctx) -> list[str]:
    return ["该户已是监测户"] if ctx.subject.status == "monitored" else []


@guard("is_monitored", subject_only=True)
def is_monitored(ctx) -> list[str]:
    return [] if ctx.subject.status == "monitored" else ["该户不是监测户，无需风险消除"]


def _removal_year(ctx) -> int:
    """The year the removal survey is for (recorded earlier), else the case's year."""
    return int(ctx.step_values(REMOVAL_SURVEY).get("year") or ctx.case.year)


@guard("income_stable_above_threshold",
       reads=lambda ctx: threshold(ctx.setting, _removal_year(ctx)))
def income_stable_above_threshold(ctx) -> list[str]:
    """Risk removal: income above the threshold for at least six months, 三保障 and safe
    water sustained."""
    survey = ctx.step_values(REMOVAL_SURVEY)
    year = int(survey.get("year") or 0)
    limit = threshold(ctx.setting, year)
    if limit is None:
        return [ctx.missing("poverty_line", "贫困线和监测标准", year)]
    reasons = []
    per_capita, _ = _per_capita(survey)
    if per_capita <= limit:
        reasons.append(f"人均纯收入 {per_capita:,.2f} 元，未超过 {year} 年监测标准 "
                       f"{limit:,.2f} 元")
    since = dt.date.fromisoformat(survey.get("stable_since") or clock.today().isoformat())
    months = (clock.today().year - since.year) * 12 + clock.today().month - since.month \
        - (clock.today().day < since.day)
    if months < STABLE_MONTHS:
        reasons.append(f"收入自 {since} 起稳定超过监测标准，仅 {max(months, 0)} 个月，"
                       f"须满 {STABLE_MONTHS} 个月才能消除风险")
    record = _open_record(ctx.subject.id)
    if record is not None:
        months_in = (clock.today() - record.entered_on).days // 30
        if months_in < STABLE_MONTHS:
            reasons.append(f"该户 {record.entered_on} 纳入监测，不足 {STABLE_MONTHS} 个月")
    reasons += [f"“{title}”未持续保障" for key, title in CHECKLIST.items()
                if not survey.get(key)]
    if not survey.get("safe_water"):
        reasons.append("“饮水安全”未持续保障")
    # 三保障 as the departments' data has it (workflow/sectors): open disagreements first.
    from workflow.sectors.queries import open_reasons

    return reasons + open_reasons(ctx.subject.id, {"medical_insurance", "education",
                                                    "housing"})


def _open_record(household_id: int) -> MonitoringRecord | None:
    return db.session.execute(select(MonitoringRecord).where(
        MonitoringRecord.household_id == household_id, MonitoringRecord.removed_on.is_(None))
        .order_by(MonitoringRecord.id.desc())).scalars().first()


@effect("enter_monitoring")
def enter_monitoring(ctx) -> None:
    alert = ctx.step_values(ALERT)
    db.session.add(MonitoringRecord(
        household_id=ctx.subject.id, entry_case_id=ctx.case.id,
        source=alert.get("source", ""), risks=alert.get("risk", ""),
        status_before=ctx.subject.status, entered_on=clock.today()))
    ctx.subject.status = "monitored"


@effect("remove_risk")
def remove_risk(ctx) -> None:
    """风险消除: the household returns to its earlier status; the record stays."""
    record = _open_record(ctx.subject.id)
    if record is not None:
        record.removed_on = clock.today()
        record.removal_case_id = ctx.case.id
        ctx.subject.status = record.status_before
    else:
        ctx.subject.status = "exited"
