"""Guards and effects over the household register (厅字〔2016〕16号 exit criteria)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from workflow import clock
from workflow.engine.registry import effect, guard
from workflow.extensions import db
from workflow.registry.models import INCOME_KINDS, IncomeRecord

SURVEY = "submit_survey"
CHECKLIST = {
    "food_clothing_secure": "不愁吃、不愁穿",
    "compulsory_education": "义务教育有保障（无辍学）",
    "medical_insured": "基本医疗有保障（全员参保）",
    "housing_safe": "住房安全有保障（非 C/D 级危房）",
}


def _survey(ctx) -> dict:
    return ctx.step_values(SURVEY)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class PerCapita:
    """人均纯收入: the household's net income over its size, against the year's line."""

    year: int | None
    total: Decimal
    size: int
    amount: Decimal
    line: Decimal | None

    @property
    def above_line(self) -> bool | None:
        return None if self.line is None else self.amount > self.line

    def describe(self) -> str:
        """「5,200.00 元（家庭纯收入 15,600.00 元 ÷ 家庭人口 3 人）」."""
        return (f"{_yuan(self.amount)} 元（家庭纯收入 {_yuan(self.total)} 元 ÷ 家庭人口 "
                f"{self.size} 人）")


def survey_year(values: dict) -> int | None:
    """The year a survey's (or income record's) values are for."""
    return int(_amount(values["year"])) if values.get("year") not in (None, "") else None


def per_capita_income(values: dict, line=None, year: int | None = None) -> PerCapita:
    """The per-capita net income of a survey's (or income record's) values: the one
    computation the exit guard, the case page and the sheet use. ``line`` is the poverty
    line applied (the guard's ``ctx.setting``, or the value the step's event recorded);
    the year is the values' own ``year`` unless given."""
    total = sum((_amount(values.get(k)) for k in INCOME_KINDS), Decimal(0))
    size = max(int(_amount(values.get("household_size"))), 1)
    if year is None:
        year = survey_year(values)
    return PerCapita(year=year, total=total, size=size,
                     amount=(total / size).quantize(Decimal("0.01")),
                     line=None if line is None else Decimal(str(line)))


def record_values(record: IncomeRecord) -> dict:
    """An income record of the register as survey-like values."""
    return {**{k: getattr(record, k) for k in INCOME_KINDS},
            "household_size": record.household_size, "year": record.year}


def line_year(ctx) -> int:
    """The year whose poverty line a step of the case meets: the survey's year (the
    survey at hand, or recorded earlier), else the case's year."""
    return survey_year(_survey(ctx)) or ctx.case.year


def poverty_line(ctx, year: int):
    """``Applied`` poverty line of ``year`` at the case's place (recorded for the event)."""
    return ctx.setting("poverty_line", year=year)


@guard("income_above_line", reads=lambda ctx: poverty_line(ctx, line_year(ctx)))
def income_above_line(ctx) -> list[str]:
    """Per-capita net income must be above the year's poverty line (a setting per year
    and place, the one applied recorded in the step's event)."""
    survey = _survey(ctx)
    if not survey:
        return ["尚未完成入户核算，无法判断收入"]
    year = int(survey["year"])
    line = poverty_line(ctx, year)
    if line is None:
        return [ctx.missing("poverty_line", "贫困线", year)]
    record = ctx.subject.income_for(year)
    values = survey if ctx.action.name == SURVEY or record is None else record_values(record)
    figure = per_capita_income(values, line.value, year)
    if not figure.above_line:
        return [f"人均纯收入 {_yuan(figure.amount)} 元，未超过 {year} 年贫困线 "
                f"{_yuan(figure.line)} 元，不符合退出标准"]
    return []


def sector_disagreements(ctx, sources: set[str] | None = None) -> list[str]:
    """Open discrepancies between the register and a department's data for the household
    (workflow/sectors): a ticked box cannot override them; each names the department."""
    from workflow.sectors.queries import open_reasons

    if ctx.subject.has_open_discrepancies is False:  # loaded with the subject: none open
        return []
    return open_reasons(ctx.subject.id, sources)


@guard("two_assurances_three_guarantees")
def two_assurances_three_guarantees(ctx) -> list[str]:
    """两不愁三保障: each unmet item is named, then every open discrepancy with the
    matched sector data (医保, 教育, 住建, 民政, 残联, 公安) until the village verified it."""
    survey = _survey(ctx)
    return [f"“{title}”未达到，不符合退出标准" for key, title in CHECKLIST.items()
            if not survey.get(key)] + sector_disagreements(ctx)


@guard("safe_drinking_water")
def safe_drinking_water(ctx) -> list[str]:
    """饮水安全: the survey's box (no department hands over water data yet, so no sector
    source is read here; the 三保障 guard holds the other departments' disagreements)."""
    return [] if _survey(ctx).get("safe_water") else ["“饮水安全有保障”未达到，不符合退出标准"]


@guard("household_size_matches_register")
def household_size_matches_register(ctx) -> list[str]:
    size = int(ctx.values.get("household_size", 0))
    registered = len(ctx.subject.members)
    if registered and size != registered:
        return [f"家庭人口 {size} 人与建档立卡登记的 {registered} 人不一致，请核实（账实相符）"]
    return []


@guard("appraisal_majority")
def appraisal_majority(ctx) -> list[str]:
    """Democratic appraisal: the votes fit the attendance and a majority agrees."""
    v = ctx.values
    attendees, yes, no = int(v["attendees"]), int(v["votes_for"]), int(v["votes_against"])
    if yes + no > attendees:
        return [f"赞成票 {yes} 与反对票 {no} 之和超过参会人数 {attendees}"]
    if yes * 2 <= attendees:
        return [f"赞成票 {yes} 票未超过参会人数 {attendees} 人的半数，评议未通过"]
    return []


@guard("household_agrees")
def household_agrees(ctx) -> list[str]:
    return [] if ctx.values.get("agreed") else ["户主未确认同意退出，退出程序不能继续"]


@guard("household_registered_poor", subject_only=True)
def household_registered_poor(ctx) -> list[str]:
    status = ctx.subject.status
    if status != "registered_poor":
        return [f"该户在建档立卡系统中的状态为“{ctx.subject.status_title}”，不是贫困户"]
    return []


@effect("record_income")
def record_income(ctx) -> None:
    """Write the surveyed income into the register for that year (账实相符)."""
    survey = ctx.values
    year = int(survey["year"])
    values = {kind: Decimal(survey.get(kind) or 0) for kind in INCOME_KINDS}
    values["household_size"] = int(survey["household_size"])
    record = ctx.subject.income_for(year)
    if record is not None:  # surveyed again: the loaded row is updated at the flush
        for name, value in values.items():
            setattr(record, name, value)
        return
    # A new year: one plain INSERT in the sign-off's transaction, not the ORM's unit of
    # work (its flush was a sixth of a sign-off's CPU). A concurrent insert of the same
    # year fails the unique constraint and the sign-off with it (a version conflict).
    db.session.connection().execute(_INSERT_INCOME, {
        "household_id": ctx.subject.id, "year": year, **values})
    db.session.expire(ctx.subject, ["incomes"])  # read again if anyone asks


_INSERT_INCOME = IncomeRecord.__table__.insert()


@effect("strike_off_household")
def strike_off_household(ctx) -> None:
    """脱贫一户销号一户: the register changes with the sign-off, or not at all."""
    ctx.subject.status = "exited"
    ctx.subject.exited_on = clock.today().isoformat()
