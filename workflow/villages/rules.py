"""Criteria profiles for village exit, chosen per place in settings, and the guard that
checks them. Poverty incidence, 人均可支配收入 and 安全住房比例 are computed from the
register (villages/indicators.py), never typed in; the other indicators are entered by
the village with their evidence (DOMAIN.md §2)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from workflow.engine.registry import guard
from workflow.extensions import db
from workflow.jurisdictions.models import recorded_population
from workflow.registry.models import Household, Member
from workflow.villages.indicators import COMPUTED, Bar, load_profiles

ASSESSMENT = "submit_self_assessment"


# The profiles' bars are data (villages/profiles.yaml, checked when loaded).
PROFILES: dict[str, tuple[str, list[Bar]]] = load_profiles()


def profile_for(village, read, year: int | None = None) -> tuple[str, list[Bar]]:
    """The criteria profile set for the village's place (``village_exit_profile``, read
    through ``read``: ``ctx.setting``, recorded in the step's event), else national."""
    found = read("village_exit_profile", year=year)
    return PROFILES[found.value if found is not None and found.value in PROFILES
                    else "national"]


def poor_people(village_id: int) -> int:
    """Members of the village's households still registered poor (from the register)."""
    return db.session.execute(
        select(func.count(Member.id)).join(Household, Household.id == Member.household_id)
        .where(Household.village_id == village_id, Household.status == "registered_poor")
    ).scalar_one()


@dataclass(frozen=True)
class Incidence:
    """贫困发生率 with what it is computed from: poor people ÷ rural population."""

    poor: int
    population: int
    percent: Decimal
    source: str = ""  # where a recorded population came from; "" for the typed figure

    def describe(self) -> str:
        """「1.25%（剩余贫困人口 5 人 ÷ 农业户籍人口 400 人）」, as pages and paper print it."""
        source = f"，{self.source}" if self.source else ""
        return (f"{self.percent}%（剩余贫困人口 {self.poor} 人 ÷ 农业户籍人口 "
                f"{self.population} 人{source}）")


def incidence(village_id: int, rural_population: int, source: str = "") -> Incidence:
    """The village's incidence now: the one computation the guard, page and sheet use."""
    poor = poor_people(village_id)
    if rural_population <= 0:
        return Incidence(poor, rural_population, Decimal("100"), source)
    percent = (Decimal(poor) * 100 / rural_population).quantize(Decimal("0.01"))
    return Incidence(poor, rural_population, percent, source)


def rural_population(village_id: int, values: dict | None) -> tuple[int, str]:
    """The denominator and its source: the population an administrator recorded for the
    assessment's year (/admin/places), when there is one, else the village's own figure."""
    values = values or {}
    typed = int(values.get("rural_population") or 0)
    try:
        year = int(values.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    recorded = recorded_population(village_id, year) if year else None
    if recorded is None:
        return typed, ""
    document = f"，{recorded.document}" if recorded.document else ""
    return recorded.people, f"按 {year} 年登记数（{recorded.source}{document}）"


def poverty_incidence(village_id: int, rural_population: int) -> Decimal:
    """贫困发生率 in percent, two decimals."""
    return incidence(village_id, rural_population).percent


def assessed_incidence(village_id: int, assessment: dict | None) -> Incidence | None:
    """The incidence for a self-assessment's population; None before the village filed one."""
    population, source = rural_population(village_id, assessment)
    return incidence(village_id, population, source) if population > 0 else None


def _year(values: dict) -> int | None:
    try:
        return int(values.get("year") or 0) or None
    except (TypeError, ValueError):
        return None


def indicator_values(ctx) -> dict:
    """The self-assessment's values with the register's figures for its year put in
    (whatever was typed for them is ignored), numbers as Decimals."""
    values = dict(ctx.step_values(ASSESSMENT))
    population, source = rural_population(ctx.subject.id, values)
    values["poverty_incidence"] = incidence(ctx.subject.id, population, source).percent
    for key, value in list(values.items()):
        if isinstance(value, str) and key != "notes" and not key.endswith("_evidence"):
            try:
                values[key] = Decimal(value)
            except ArithmeticError:
                pass
    year = _year(values)
    for key, compute in COMPUTED.items():
        values[key] = compute(ctx.subject.id, year) if year else None
    return values


@guard("village_indicators_met",
       reads=lambda ctx: ctx.setting("village_exit_profile", year=ctx.case.year))
def village_indicators_met(ctx) -> list[str]:
    """Each failing indicator blocks the step with its name, value and bar; an entered
    indicator the profile wants evidenced must name its evidence."""
    title, bars = profile_for(ctx.subject, ctx.setting, ctx.case.year)
    values = indicator_values(ctx)
    reasons = []
    for bar in bars:
        actual = values.get(bar.key)
        if not bar.met(actual):
            reasons.append(bar.failure(actual, title))
        elif bar.evidence and not str(values.get(f"{bar.key}_evidence") or "").strip():
            reasons.append(f"「{bar.title}」未写明佐证材料（{title}要求每项指标附佐证）")
    return reasons
